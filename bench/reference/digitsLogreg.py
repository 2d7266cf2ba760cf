"""The digits-CSV logreg job of the targets benchmark, written with numpy/scipy/scikit-learn (Debian's
python3-numpy, python3-scipy, python3-sklearn), as the reference the engine's time is compared with.

It does the job `influence-lens analyze digits.csv --model logreg --json --out <file>` does:
  1. read the CSV (split column, pixel columns, label), standardize with the training mean and standard
     deviation (a constant column encodes as 0);
  2. fit multinomial logistic regression with a bias on every class, summed objective
     sum_i CE_i + (lam/2)|theta|^2, lam = n * weight_decay (the bias decayed too, as in the engine);
  3. cross-fitting: the same model on each of k stratified folds' complements, out-of-sample probabilities of the
     held-out fold;
  4. the exact Hessian of the objective (the whole model is the last layer), its Cholesky factor;
  5. influence of every training sample on every test sample, g_test^T H^-1 g_train, the top-k proponents and
     opponents of each test sample, and every training sample's self-influence g^T H^-1 g;
  6. label issues: the confident joint, the margin-weighted count of likely errors with a 40-draw bootstrap range,
     and the suspicion ranking: out-of-sample self-confidence and margin as percentile ranks, plus training loss
     and self-influence weighted by (2 AUC - 1)^2 against the confident-joint pseudo-labels and shared by their rank
     correlation (src/compute/mislabel/suspicion.ts); the test labels ranked by the core; suggested labels;
  7. data issues: exact 10-nearest neighbours (train in train, test in train, test in test), exact duplicates by
     content and near ones within 0.2 x the median neighbour distance grouped into sets (leakage, label conflicts),
     outlier scores (robust z of log max(k-NN ratio, class-mean ratio) plus the class-preference bonus), harmful
     and helpful samples (the summed test gradient through H^-1), the refit without the 1% most harmful with the
     test loss and accuracy it gives, per-class health and the most confused class pairs;
  8. writes it all as JSON: the summaries and one record per training and test sample (labels, probabilities,
     signals, proponents and opponents with their values, a preview of the row, its line in the file).
Every module it imports is one scikit-learn's logistic regression already loads (scipy.stats and csgraph
included), so the parts added to the influence job cost no import time. Where the engine chooses the core's mix
of self-confidence and margin per dataset (mislabel/calibrate.ts), this program takes them equally (the engine's
choice on this dataset). It searches neighbours with numpy's products, as the engine does, rather than with
scikit-learn's neighbour classes, which would import more.
Usage: digitsLogreg.py <csv> <out.json> [--top-k 10] [--folds 5] [--weight-decay 1e-3]
"""
import json
import resource
import sys
import time

import numpy as np
from scipy.linalg import cho_factor, cho_solve, solve_triangular
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.stats import rankdata
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

NEIGHBOURS = 10
NEAR_DUPLICATE_CUT = 0.2
OUTLIER_CUT = 3.0
UNDERREPRESENTED = 0.2
BOOTSTRAP = 40
MIN_PSEUDO = 5
PREVIEW_COLUMNS = 16


def read_csv(path):
    with open(path) as f:
        header = f.readline().strip().split(',')
        lines, rows = [], []
        for number, line in enumerate(f, start=2):
            if line.strip():
                lines.append(number)
                rows.append(line.strip().split(','))
    split = np.array([r[0] for r in rows])
    labels = [r[-1] for r in rows]
    x = np.array([[float(v) for v in r[1:-1]] for r in rows])
    classes = sorted(set(labels))
    y = np.array([classes.index(v) for v in labels])
    return x, y, split == 'train', classes, header, np.array(lines), rows


def fit(x1, y, lam, init=None):
    """x1 has the bias column; sklearn's objective C*sum CE + |w|^2/2 equals ours with C = 1/lam."""
    model = LogisticRegression(C=1.0 / lam, fit_intercept=False, solver='lbfgs', tol=1e-10, max_iter=5000,
                               warm_start=init is not None)
    if init is not None:
        model.coef_ = init.T.copy()
    model.fit(x1, y)
    return model.coef_.T.copy()  # (d+1) x C


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def losses(p, y):
    return -np.log(np.maximum(p[np.arange(len(y)), y], 1e-300))


def gradients(xs, ys, w):
    r = softmax(xs @ w)
    r[np.arange(len(ys)), ys] -= 1
    return (xs[:, :, None] * r[:, None, :]).reshape(len(ys), -1)


def hessian(xtr, p, lam):
    """Parameters ordered (feature, class): block (a, b) = X^T diag(p_a (delta_ab - p_b)) X, plus lam I."""
    n, d1 = xtr.shape
    c = p.shape[1]
    h = np.zeros((d1, c, d1, c))
    for a in range(c):
        for b in range(a, c):
            weight = p[:, a] * ((a == b) - p[:, b])
            block = (xtr * weight[:, None]).T @ xtr
            h[:, a, :, b] = block
            h[:, b, :, a] = block.T
    return h.reshape(d1 * c, d1 * c) + lam * np.eye(d1 * c)


def top_k(scores, k, largest):
    signed = -scores if largest else scores
    part = np.argpartition(signed, k, axis=1)[:, :k]
    rows = np.arange(len(scores))[:, None]
    return np.take_along_axis(part, np.argsort(signed[rows, part], axis=1), axis=1)


# Label issues ---------------------------------------------------------------------------------------------------


def thresholds_of(p, y, c):
    return np.array([p[y == j, j].mean() if (y == j).any() else np.nan for j in range(c)])


def confident_joint(p, y, c):
    t = thresholds_of(p, y, c)
    above = np.where(p >= t - 1e-6, p, -np.inf)
    best = above.argmax(axis=1)
    counted = np.isfinite(above.max(axis=1))
    joint = np.zeros((c, c))
    np.add.at(joint, (y[counted], best[counted]), 1)
    label_counts = np.bincount(y, minlength=c)
    row = joint.sum(axis=1, keepdims=True)
    calibrated = np.where(row > 0, joint / np.maximum(row, 1) * label_counts[:, None], np.diag(label_counts))
    return joint, calibrated, t


def margin_weighted_count(p, y, c):
    """cleanlab's off-diagonal samples, each counted by p(argmax) - p(given)."""
    t = thresholds_of(p, y, c)
    above = np.where(p >= t, p, -np.inf)
    off = np.isfinite(above.max(axis=1)) & (above.argmax(axis=1) != y)
    given = p[np.arange(len(y)), y]
    nudged = p.copy()
    nudged[np.arange(len(y)), y] += 1e-6
    off &= nudged.argmax(axis=1) != y
    return int(round((p.max(axis=1) - given)[off].sum()))


def count_range(p, y, c, rng):
    draws = []
    for _ in range(BOOTSTRAP):
        pick = rng.integers(0, len(y), len(y))
        draws.append(margin_weighted_count(p[pick], y[pick], c))
    draws.sort()
    at = lambda q: draws[int(round(q * (len(draws) - 1)))]
    return at(0.1), at(0.9)


def percentile_ranks(values):
    return (rankdata(values) - 1) / max(len(values) - 1, 1)


def pseudo_labels(p, y, c):
    t = thresholds_of(p, y, c)
    best = p.argmax(axis=1)
    confident = p[np.arange(len(y)), best] >= t[best]
    return np.where(confident, np.where(best == y, -1, 1), 0)


def agreement(ranks, pseudo):
    """AUC between pseudo-positives and every other sample, and whether it is above 1/2 by two standard errors."""
    positive = pseudo > 0
    p, q = positive.sum(), (~positive).sum()
    if p < MIN_PSEUDO or q < MIN_PSEUDO:
        return 0.5, False
    r = rankdata(ranks)
    a = (r[positive].sum() - p * (p + 1) / 2) / (p * q)
    q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
    se = np.sqrt(max(a * (1 - a) + (p - 1) * (q1 - a * a) + (q - 1) * (q2 - a * a), 0) / (p * q))
    return float(a), bool(a - 2 * se > 0.5)


def core_scores(p, y):
    given = p[np.arange(len(y)), y]
    other = np.where(np.eye(p.shape[1], dtype=bool)[y], -np.inf, p).max(axis=1)
    return 0.5 * percentile_ranks(-given) + 0.5 * percentile_ranks(-(given - other)), given - other


def suspicion(p, y, c, checked):
    core, margin = core_scores(p, y)
    pseudo = pseudo_labels(p, y, c)
    ranks = {name: percentile_ranks(values) for name, values in checked.items()}
    raw = {}
    for name, r in ranks.items():
        auc, significant = agreement(r, pseudo)
        raw[name] = (2 * auc - 1) ** 2 if significant else 0.0
    names = list(ranks)
    for name in names:  # signals that measure the same thing share their weight
        shared = sum(1.0 if other == name else abs(np.corrcoef(ranks[name], ranks[other])[0, 1]) for other in names)
        raw[name] /= shared
    # Self-confidence and margin weigh 1 each, as a checked signal in perfect agreement would.
    total = 2.0 + sum(raw.values())
    scores = (2.0 * core + sum(raw[name] * ranks[name] for name in names)) / total
    weights = {'core': 2.0 / total, **{name: raw[name] / total for name in names}}
    return percentile_ranks(scores), margin, weights


# Data issues ----------------------------------------------------------------------------------------------------


def nearest(queries, refs, k, exclude_self):
    """Exact k-NN by the blocked product |q|^2 + |x|^2 - 2 q.x, the k candidates' distances recomputed exactly."""
    d2 = (queries * queries).sum(1)[:, None] + (refs * refs).sum(1)[None, :] - 2 * queries @ refs.T
    if exclude_self:
        np.fill_diagonal(d2, np.inf)
    index = np.argpartition(d2, k, axis=1)[:, :k]
    exact = np.sqrt(((queries[:, None, :] - refs[index]) ** 2).sum(2))
    order = np.argsort(exact, axis=1)
    return np.take_along_axis(index, order, 1), np.take_along_axis(exact, order, 1)


def duplicate_sets(x_raw, feats, y, n, nb):
    (tr_i, tr_d), (te_i, te_d), (tt_i, tt_d) = nb
    m = len(y) - n
    scale = np.median(tr_d[:, 0])
    cut = NEAR_DUPLICATE_CUT * scale
    rows, cols = [], []
    _, first = np.unique(x_raw, axis=0, return_inverse=True)  # exact copies: equal content
    first = first.ravel()
    order = np.argsort(first, kind='stable')
    same = first[order][1:] == first[order][:-1]
    rows += list(order[1:][same])
    cols += list(order[:-1][same])
    for index, dist, offset_q, offset_r in ((tr_i, tr_d, 0, 0), (te_i, te_d, n, 0), (tt_i, tt_d, n, n)):
        q, j = np.nonzero(dist <= cut)
        rows += list(q + offset_q)
        cols += list(index[q, j] + offset_r)
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n + m, n + m))
    count, component = connected_components(graph, directed=False)
    sizes = np.bincount(component, minlength=count)
    sets = []
    for s in np.nonzero(sizes > 1)[0]:
        members = np.nonzero(component == s)[0]
        span = np.sqrt(((feats[members] - feats[members[0]]) ** 2).sum(1)).max()
        sets.append({
            'members': [{'split': 'train' if i < n else 'test', 'id': int(i if i < n else i - n)} for i in members],
            'exact': bool(len(np.unique(x_raw[members], axis=0)) == 1),
            'leakage': bool((members < n).any() and (members >= n).any()),
            'labelConflict': bool(len(set(y[members])) > 1),
            'maxDistance': float(span / scale),
        })
    in_set = np.where(sizes[component] > 1, component, -1)
    nearest_distance = np.concatenate([tr_d[:, 0], np.minimum(te_d[:, 0], tt_d[:, 0])]) / scale
    return sets, in_set, nearest_distance, scale


def label_conflict_share(sets, y, n):
    share = np.zeros(n)
    for s in sets:
        labels = [y[m['id'] + (0 if m['split'] == 'train' else n)] for m in s['members']]
        for m, label in zip(s['members'], labels):
            if m['split'] == 'train':
                share[m['id']] = sum(other != label for other in labels) / (len(labels) - 1)
    return share


def outlier_scores(tr, te, ytr, c, tr_d, te_d, oos, test_p):
    means = np.array([tr[ytr == k].mean(0) for k in range(c)])
    centroid = lambda z: np.sqrt(((z[:, None, :] - means[None]) ** 2).sum(2)).min(1)
    knn_tr, knn_te = tr_d.mean(1), te_d.mean(1)
    cen_tr, cen_te = centroid(tr), centroid(te)
    ratio = lambda knn, cen: np.maximum(knn / np.median(knn_tr), cen / np.median(cen_tr))
    s_tr, s_te = np.log(ratio(knn_tr, cen_tr)), np.log(ratio(knn_te, cen_te))
    centre = np.median(s_tr)
    spread = 1.4826 * np.median(np.abs(s_tr - centre))
    preference = lambda q: np.clip((q.max(1) - 1 / c) / (1 - 1 / c), 0, 1)
    return (s_tr - centre) / spread + (1 - preference(oos)), (s_te - centre) / spread + (1 - preference(test_p))


def class_health(classes, ytr, yte, flags):
    n, c = len(ytr), len(classes)
    out = []
    for k, label in enumerate(classes):
        mine = ytr == k
        out.append({
            'label': label, 'train': int(mine.sum()), 'test': int((yte == k).sum()),
            'labelIssues': int((mine & flags['label']).sum()), 'outliers': int((mine & flags['outlier']).sum()),
            'duplicates': int((mine & flags['duplicate']).sum()), 'trainShare': float(mine.mean()),
            'underrepresented': bool(mine.sum() < UNDERREPRESENTED * n / c),
            'issueShare': float((mine & flags['any']).sum() / max(mine.sum(), 1)),
        })
    return out


def confused_pairs(classes, ytr, oos, limit=5):
    best = oos.argmax(1)
    wrong = best != ytr
    a, b = np.minimum(best, ytr)[wrong], np.maximum(best, ytr)[wrong]
    keys, counts = np.unique(a * len(classes) + b, return_counts=True)
    order = np.lexsort((keys, -counts))[:limit]
    c = len(classes)
    return [{'a': classes[keys[i] // c], 'b': classes[keys[i] % c], 'count': int(counts[i])} for i in order]


def preview(header, row):
    cells = [f'{name}={value}' for name, value in zip(header[1:-1], row[1:-1])][:PREVIEW_COLUMNS]
    return ', '.join(cells) + '…'


def main(argv):
    csv, out = argv[0], argv[1]
    opts = dict(zip(argv[2::2], argv[3::2]))
    k = int(opts.get('--top-k', 10))
    folds = int(opts.get('--folds', 5))
    wd = float(opts.get('--weight-decay', 1e-3))
    t0 = time.perf_counter()
    stages = {}

    def stage(name, since):
        now = time.perf_counter()
        stages[name] = now - since
        return now

    x, y, is_train, classes, header, lines, rows = read_csv(csv)
    c = len(classes)
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
    oos = np.zeros((n, c))
    for inside, held_out in StratifiedKFold(folds, shuffle=True, random_state=0).split(xtr, ytr):
        wk = fit(xtr[inside], ytr[inside], len(inside) * wd)
        oos[held_out] = softmax(xtr[held_out] @ wk)
    t = stage('folds', t)

    p_train, p_test = softmax(xtr @ w), softmax(xte @ w)
    factor = cho_factor(hessian(xtr, p_train, lam), lower=True)
    t = stage('hessian', t)

    g_train, g_test = gradients(xtr, ytr, w), gradients(xte, yte, w)
    a_train = solve_triangular(factor[0], g_train.T, lower=True)  # L^-1 G_train^T
    a_test = solve_triangular(factor[0], g_test.T, lower=True)
    scores = a_test.T @ a_train  # n_test x n_train, g_test^T H^-1 g_train
    self_influence = (a_train * a_train).sum(axis=0)
    proponents, opponents = top_k(scores, k, True), top_k(scores, k, False)
    t = stage('influence', t)
    stages['core'] = t - t0  # what this program did before it did the whole job

    train_loss, test_loss = losses(p_train, ytr), losses(p_test, yte)
    joint, calibrated, _ = confident_joint(oos, ytr, c)
    count = margin_weighted_count(oos, ytr, c)
    low, high = count_range(oos, ytr, c, np.random.default_rng(0))
    checked = {'trainLoss': train_loss, 'selfInfluence': self_influence}
    suspicion_train, margin, weights = suspicion(oos, ytr, c, checked)
    order = np.lexsort((np.arange(n), -suspicion_train))
    likely = np.zeros(n, bool)
    likely[order[:count]] = True
    suspicion_test, _ = core_scores(p_test, yte)
    suspicion_test = percentile_ranks(suspicion_test)
    likely_test = np.zeros(len(yte), bool)
    likely_test[np.argsort(-suspicion_test, kind='stable')[:int(round(count / n * len(yte)))]] = True
    t = stage('labelIssues', t)

    features, raw = x1[:, :-1], x[np.r_[np.nonzero(is_train)[0], np.nonzero(~is_train)[0]]]
    ftr, fte = features[is_train], features[~is_train]
    nb = (nearest(ftr, ftr, NEIGHBOURS, True), nearest(fte, ftr, NEIGHBOURS, False),
          nearest(fte, fte, NEIGHBOURS, True))
    sets, in_set, nearest_distance, scale = duplicate_sets(raw, np.vstack([ftr, fte]), np.r_[ytr, yte], n, nb)
    conflict = label_conflict_share(sets, np.r_[ytr, yte], n)
    out_train, out_test = outlier_scores(ftr, fte, ytr, c, nb[0][1], nb[1][1], oos, p_test)
    t = stage('neighbours', t)

    # Harmful: T_i = (sum_t g_t)^T H^-1 g_i, and the refit without the 1% most harmful.
    test_influence = g_train @ cho_solve(factor, g_test.sum(0))
    harmful = [i for i in np.argsort(test_influence, kind='stable') if test_influence[i] < 0]
    helpful = [i for i in np.argsort(-test_influence, kind='stable') if test_influence[i] > 0]
    removed = harmful[:max(1, round(0.01 * n))]
    keep = np.setdiff1d(np.arange(n), removed)
    w_after = fit(xtr[keep], ytr[keep], lam, init=w)
    p_after = softmax(xte @ w_after)
    before, after = test_loss.sum(), losses(p_after, yte).sum()
    removal = {
        'removed': [int(i) for i in removed], 'predictedLossChange': float(test_influence[removed].sum()),
        'actualLossChange': float(after - before), 'testLossBefore': float(before / len(yte)),
        'testLossAfter': float(after / len(yte)),
        'accuracyBefore': float((p_test.argmax(1) == yte).mean()),
        'accuracyAfter': float((p_after.argmax(1) == yte).mean()),
    }
    flags = {'label': likely, 'outlier': out_train >= OUTLIER_CUT, 'duplicate': in_set[:n] >= 0}
    flags['any'] = flags['label'] | flags['outlier'] | flags['duplicate'] | np.isin(np.arange(n), removed)
    health = class_health(classes, ytr, yte, flags)
    pairs = confused_pairs(classes, ytr, oos)
    t = stage('harmful', t)

    train_rows, test_rows = np.nonzero(is_train)[0], np.nonzero(~is_train)[0]
    ranked = np.argsort(-oos, axis=1)[:, :5]
    pick = lambda items, values: [{'train': int(j), 'influence': float(values[j])} for j in items]
    train_records = [{
        'id': i, 'line': int(lines[r]), 'label': classes[ytr[i]], 'predicted': classes[p_train[i].argmax()],
        'suggestedLabel': classes[ranked[i, 0]], 'suggestedProbability': float(oos[i, ranked[i, 0]]),
        'givenLabelProbability': float(oos[i, ytr[i]]),
        'rankedLabels': [{'label': classes[j], 'probability': float(oos[i, j])} for j in ranked[i]],
        'outOfSampleMargin': float(margin[i]), 'loss': float(train_loss[i]),
        'selfInfluence': float(self_influence[i]), 'suspicion': float(suspicion_train[i]),
        'likelyLabelIssue': bool(likely[i]), 'preview': preview(header, rows[r]),
        'outlierScore': float(out_train[i]), 'outlier': bool(out_train[i] >= OUTLIER_CUT),
        'nearestDistance': float(nearest_distance[i]), 'testInfluence': float(test_influence[i]),
        'duplicateLabelConflict': float(conflict[i]),
    } for i, r in enumerate(train_rows)]
    test_records = [{
        'id': i, 'line': int(lines[r]), 'label': classes[yte[i]], 'predicted': classes[p_test[i].argmax()],
        'loss': float(test_loss[i]), 'suspicion': float(suspicion_test[i]),
        'suggestedLabel': classes[p_test[i].argmax()], 'likelyLabelIssue': bool(likely_test[i]),
        'proponents': pick(proponents[i], scores[i]), 'opponents': pick(opponents[i], scores[i]),
        'preview': preview(header, rows[r]), 'outlierScore': float(out_test[i]),
        'outlier': bool(out_test[i] >= OUTLIER_CUT), 'nearestDistance': float(nearest_distance[n + i]),
    } for i, r in enumerate(test_rows)]
    results = {
        'nTrain': int(n), 'nTest': int(len(yte)), 'parameters': int(d1 * c),
        'trainAccuracy': float((p_train.argmax(1) == ytr).mean()),
        'testAccuracy': float((p_test.argmax(1) == yte).mean()),
        'outOfSampleAccuracy': float((oos.argmax(1) == ytr).mean()),
        'proponents': proponents.tolist(), 'opponents': opponents.tolist(),
        'selfInfluence': self_influence.tolist(),
        'labelIssues': {'estimatedCount': count, 'estimatedRange': {'low': min(low, count), 'high': max(high, count)},
                        'confidentJoint': calibrated.tolist(), 'weights': weights,
                        'order': order[:max(count, 50)].tolist()},
        'issues': {
            'duplicates': {'cut': NEAR_DUPLICATE_CUT, 'medianNeighbourDistance': float(scale), 'sets': sets},
            'outliers': {'train': int(flags['outlier'].sum()), 'test': int((out_test >= OUTLIER_CUT).sum())},
            'harmful': pick(harmful, test_influence), 'helpful': pick(helpful, test_influence), 'removal': removal,
            'classes': health, 'confusedPairs': pairs,
        },
        'train': train_records, 'test': test_records,
    }
    text = json.dumps(results)
    stage('records', t)
    stages['total'] = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    with open(out, 'w') as f:
        # The timings close the object: they are known only once the records are serialized.
        f.write(text[:-1])
        # user + system CPU of every thread of this process (OpenBLAS's included), imports and all
        f.write(', "stages": %s, "cpuSeconds": %r}' % (json.dumps(stages), usage.ru_utime + usage.ru_stime))

if __name__ == '__main__':
    main(sys.argv[1:])
