/**
 * Shared shapes of the inverse-Hessian-vector-product solvers.
 *
 * Every solver here sees the Hessian only through products H·v, so the same
 * code serves the softmax head (closed-form HVP), the full network of an
 * MLP/CNN (double backprop) or any parameter subset. Vectors are Float64Array
 * of the full parameter length P unless a function says otherwise.
 */

/**
 * H·v for the Hessian of the SUMMED objective R(θ) = Σᵢ L(zᵢ, θ) + (λ/2)‖θ‖²
 * (DESIGN.md §2). It may be indefinite (non-convex networks, saddle points).
 * Must not modify `v`; must return a fresh array (solvers keep it).
 * Damping is NOT part of it: solvers add δ·v themselves and report δ.
 */
export type Hvp = (v: Float64Array) => Float64Array;
