"""The digits-CSV logreg job of the targets benchmark, written with numpy/scipy/scikit-learn (Debian's
python3-numpy, python3-scipy, python3-sklearn), as the reference the engine's time is compared with.

It does what `influence-lens analyze digits.csv --model logreg` does for influence and label issues:
  1. read the CSV (split column, 64 pixel columns, label), standardize with the training mean and standard
     deviation (a constant column encodes as 0);
  2. fit multinomial logistic regression with a bias on every class, summed objective
     sum_i CE_i + (lam/2)|theta|^2, lam = n * weight_decay (the bias decayed too, as in the engine);
  3. cross-fitting: the same model on each of k folds' complements, out-of-sample probabilities of the held-out fold;
  4. the exact Hessian of the objective (the whole model is the last layer), its Cholesky factor;
  5. influence of every training sample on every test sample, g_test^T H^-1 g_train, the top-k proponents and
     opponents of each test sample, and every training sample's self-influence g^T H^-1 g;
  6. writes the top-k lists and self-influence as JSON.
Usage: digitsLogreg.py <csv> <out.json> [--top-k 10] [--folds 5] [--weight-decay 1e-3]
"""
import json
import resource
import sys
import time

import numpy as np
from scipy.linalg import cho_factor, solve_triangular
from sklearn.linear_model import LogisticRegression


def read_csv(path):
    with open(path) as f:
        header = f.readline().strip().split(',')
        rows = [line.strip().split(',') for line in f if line.strip()]
    split = np.array([r[0] for r in rows])
    labels = [r[-1] for r in rows]
    x = np.array([[float(v) for v in r[1:-1]] for r in rows])
    classes = sorted(set(labels))
    y = np.array([classes.index(v) for v in labels])
    return x, y, split == 'train', len(classes), header


def fit(x1, y, lam):
    """x1 has the bias column; sklearn's objective C*sum CE + |w|^2/2 equals ours with C = 1/lam."""
    model = LogisticRegression(C=1.0 / lam, fit_intercept=False, solver='lbfgs', tol=1e-10, max_iter=5000)
    model.fit(x1, y)
    return model.coef_.T.copy()  # (d+1) x C


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def main(argv):
    csv, out = argv[0], argv[1]
    opts = dict(zip(argv[2::2], argv[3::2]))
    top_k = int(opts.get('--top-k', 10))
    folds = int(opts.get('--folds', 5))
    wd = float(opts.get('--weight-decay', 1e-3))
    t0 = time.perf_counter()
    stages = {}

    def stage(name, since):
        now = time.perf_counter()
        stages[name] = now - since
        return now

    x, y, is_train, c, _ = read_csv(csv)
    t = stage('load', t0)
    mean = x[is_train].mean(axis=0)
    std = x[is_train].std(axis=0)
    std[std == 0] = np.inf
    x1 = np.hstack([(x - mean) / std, np.ones((len(x), 1))])
    xtr, ytr, xte, yte = x1[is_train], y[is_train], x1[~is_train], y[~is_train]
    n, d1 = xtr.shape
    lam = n * wd
    w = fit(xtr, ytr, lam)
    t = stage('fit', t)

    # Cross-fitting: out-of-sample probabilities of every training sample (the label-issue signals).
    fold_of = np.arange(n) % folds
    oos = np.zeros((n, c))
    for k in range(folds):
        inside = fold_of != k
        wk = fit(xtr[inside], ytr[inside], inside.sum() * wd)
        oos[~inside] = softmax(xtr[~inside] @ wk)
    t = stage('folds', t)

    # Exact Hessian, parameters ordered (feature, class): block (a, b) = X^T diag(p_a (delta_ab - p_b)) X.
    p = softmax(xtr @ w)
    hess = np.zeros((d1, c, d1, c))
    for a in range(c):
        for b in range(a, c):
            weight = p[:, a] * ((a == b) - p[:, b])
            block = (xtr * weight[:, None]).T @ xtr
            hess[:, a, :, b] = block
            hess[:, b, :, a] = block.T
    hess = hess.reshape(d1 * c, d1 * c) + lam * np.eye(d1 * c)
    factor, _ = cho_factor(hess, lower=True)
    t = stage('hessian', t)

    def gradients(xs, ys):
        r = softmax(xs @ w)
        r[np.arange(len(ys)), ys] -= 1
        return (xs[:, :, None] * r[:, None, :]).reshape(len(ys), d1 * c)

    a_train = solve_triangular(factor, gradients(xtr, ytr).T, lower=True)  # L^-1 G_train^T
    a_test = solve_triangular(factor, gradients(xte, yte).T, lower=True)
    scores = a_test.T @ a_train  # n_test x n_train, g_test^T H^-1 g_train
    self_influence = (a_train * a_train).sum(axis=0)
    top = np.argpartition(-scores, top_k, axis=1)[:, :top_k]
    bottom = np.argpartition(scores, top_k, axis=1)[:, :top_k]
    rows = np.arange(len(scores))[:, None]
    top = np.take_along_axis(top, np.argsort(-scores[rows, top], axis=1), axis=1)
    bottom = np.take_along_axis(bottom, np.argsort(scores[rows, bottom], axis=1), axis=1)
    t = stage('influence', t)

    stages['total'] = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    with open(out, 'w') as f:
        json.dump({
            'nTrain': int(n), 'nTest': int(len(yte)), 'parameters': int(d1 * c),
            'trainAccuracy': float((softmax(xtr @ w).argmax(1) == ytr).mean()),
            'testAccuracy': float((softmax(xte @ w).argmax(1) == yte).mean()),
            'outOfSampleAccuracy': float((oos.argmax(1) == ytr).mean()),
            'proponents': top.tolist(), 'opponents': bottom.tolist(),
            'selfInfluence': self_influence.tolist(),
            'stages': stages,
            # user + system CPU of every thread of this process (OpenBLAS's included), imports and all
            'cpuSeconds': usage.ru_utime + usage.ru_stime,
        }, f)


if __name__ == '__main__':
    main(sys.argv[1:])
