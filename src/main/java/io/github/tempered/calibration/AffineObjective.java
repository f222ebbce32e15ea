package io.github.tempered.calibration;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The convex objective of the affine calibration maps, minimized by {@link AffineSolver}: the mean
 * negative log-likelihood of {@code softmax(W x + b)} (matrix scaling, Dirichlet calibration), of
 * {@code softmax(w * x + b)} (vector scaling) or of {@code sigmoid(a x + b)} (Platt scaling), plus
 * for the matrix form the ODIR penalty of Kull et al. (2019)
 *
 * <pre>
 *   offDiagonalL2 / (C (C - 1)) * sum_{c != d} W_cd^2  +  interceptL2 / C * sum_c b_c^2
 * </pre>
 *
 * <p>The features {@code x} are copied once into a float64 array and, internally, standardized
 * column by column ({@code (x - mean) / std}); the optimizer works on the parameters of the
 * standardized features, an affine change of variables that keeps the problem convex and makes it
 * far better conditioned, and every result (the parameters, the gradient norm of the stop test) is
 * expressed in the original variables. One evaluation is one pass over the rows: a softmax (or
 * sigmoid) per row and the gradient's outer products, in fixed chunks of rows that run in parallel
 * and are summed in chunk order, so results do not depend on the number of threads.
 *
 * <p>Parameters are laid out weights first ({@code C} for the diagonal and binary forms, {@code C x
 * C} row-major for the full form), then the {@code C} biases.
 */
final class AffineObjective implements Lbfgs.Objective {

    /** Multiply-adds per chunk of rows. */
    private static final int CHUNK_WORK = 1 << 15;

    /** The most chunks one evaluation is split into (each holds a gradient). */
    private static final int MAX_CHUNKS = 32;

    /** The form of the map. */
    enum Form {
        /** {@code softmax(w * x + b)}, one weight per class (vector scaling). */
        DIAGONAL,
        /** {@code softmax(W x + b)}, a full matrix (matrix scaling, Dirichlet calibration). */
        FULL,
        /** {@code sigmoid(a x + b)} of one score per row (Platt scaling). */
        BINARY
    }

    private final Form form;
    private final int rows;
    private final int classes;
    private final double[] x;
    private final int[] labels;
    private final double[] mean;
    private final double[] scale;
    private final double offDiagonalCoefficient;
    private final double interceptCoefficient;
    private final int weightCount;
    private final int chunkRows;
    private final int chunks;
    private final boolean parallel;

    /**
     * Prepares the objective; {@code features} is standardized in place and kept.
     *
     * @param form the form of the map
     * @param features the features, {@code rows x classes} row-major ({@code rows} for binary)
     * @param labels the class (or 0/1 label) of each row
     * @param classes the number of classes {@code C} (1 for binary)
     * @param offDiagonalL2 the ODIR weight of the off-diagonal entries (full form only), {@code >=
     *     0}
     * @param interceptL2 the ODIR weight of the biases (full form only), {@code >= 0}
     */
    AffineObjective(
            Form form,
            double[] features,
            int[] labels,
            int classes,
            double offDiagonalL2,
            double interceptL2) {
        this.form = form;
        this.rows = labels.length;
        this.classes = classes;
        this.x = features;
        this.labels = labels;
        this.mean = new double[classes];
        this.scale = new double[classes];
        standardize();
        boolean full = form == Form.FULL;
        this.offDiagonalCoefficient =
                full && classes > 1 ? offDiagonalL2 / ((double) classes * (classes - 1)) : 0;
        this.interceptCoefficient = full ? interceptL2 / classes : 0;
        this.weightCount = full ? classes * classes : classes;
        long work = full ? (long) classes * classes : classes;
        int perChunk = (int) Math.max(1, CHUNK_WORK / work);
        perChunk = Math.max(perChunk, (rows + MAX_CHUNKS - 1) / MAX_CHUNKS);
        this.chunkRows = perChunk;
        this.chunks = (rows + perChunk - 1) / perChunk;
        this.parallel = chunks > 1 && (long) rows * work >= CHUNK_WORK * 2L;
    }

    /** Standardizes each feature column in place, remembering its mean and inverse scale. */
    private void standardize() {
        for (int i = 0; i < rows; i++) {
            for (int d = 0; d < classes; d++) {
                mean[d] += x[i * classes + d];
            }
        }
        for (int d = 0; d < classes; d++) {
            mean[d] /= rows;
        }
        double[] variance = new double[classes];
        for (int i = 0; i < rows; i++) {
            for (int d = 0; d < classes; d++) {
                double v = x[i * classes + d] - mean[d];
                variance[d] += v * v;
            }
        }
        for (int d = 0; d < classes; d++) {
            double std = Math.sqrt(variance[d] / rows);
            scale[d] = std > 0 && Double.isFinite(1 / std) ? 1 / std : 1;
        }
        for (int i = 0; i < rows; i++) {
            for (int d = 0; d < classes; d++) {
                int k = i * classes + d;
                x[k] = (x[k] - mean[d]) * scale[d];
            }
        }
    }

    /**
     * Returns the number of parameters.
     *
     * @return weights plus biases
     */
    int size() {
        return weightCount + classes;
    }

    /**
     * Returns the internal parameters of {@code beta} times the identity map ({@code W = beta I} or
     * {@code w = beta}, {@code b = 0}).
     *
     * @param beta the scale
     * @return the internal parameters
     */
    double[] scaledIdentity(double beta) {
        double[] weights = identityWeights();
        for (int j = 0; j < weights.length; j++) {
            weights[j] *= beta;
        }
        return toInternal(weights, new double[classes]);
    }

    /**
     * Returns the mean NLL of the identity map, {@code softmax(x)} (or {@code sigmoid(s)}), in one
     * pass over the features without the map's multiply-adds.
     *
     * @return the NLL before calibration
     */
    double identityNll() {
        double sum = 0;
        double[] row = new double[classes];
        for (int i = 0; i < rows; i++) {
            if (form == Form.BINARY) {
                double s = feature(i, 0);
                sum += Logistic.nll(s, labels[i]);
                continue;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int d = 0; d < classes; d++) {
                row[d] = feature(i, d);
                max = Math.max(max, row[d]);
            }
            double label = row[labels[i]];
            sum += softmaxInPlace(row, max) - label;
        }
        return sum / rows;
    }

    /**
     * Returns the parameters in the original variables, moved to the canonical gauge (see {@link
     * #canonical}).
     *
     * @param theta the internal parameters
     * @return the weights then the biases
     */
    double[] original(double[] theta) {
        double[] original = toOriginal(theta);
        canonical(original);
        return original;
    }

    /**
     * Returns whether the objective has an ODIR penalty.
     *
     * @return whether either penalty weight is positive
     */
    boolean isPenalised() {
        return offDiagonalCoefficient != 0 || interceptCoefficient != 0;
    }

    /**
     * Returns the number of weights (the biases follow them).
     *
     * @return {@code C}, or {@code C * C} for the full form
     */
    int weightCount() {
        return weightCount;
    }

    /**
     * Returns the number of rows.
     *
     * @return {@code N}
     */
    int rows() {
        return rows;
    }

    /**
     * Returns the form of the map.
     *
     * @return the form
     */
    Form form() {
        return form;
    }

    /**
     * Returns the label of a row.
     *
     * @param i the row
     * @return its class, or its 0/1 label
     */
    int label(int i) {
        return labels[i];
    }

    /**
     * Returns the number of classes ({@code C}, 1 for binary).
     *
     * @return the classes
     */
    int classes() {
        return classes;
    }

    /**
     * Returns a feature of a row in the original variables (the logit, log-probability or score
     * before standardization).
     *
     * @param i the row
     * @param d the feature
     * @return its value
     */
    double feature(int i, int d) {
        return x[i * classes + d] / scale[d] + mean[d];
    }

    private double[] identityWeights() {
        double[] w = new double[weightCount];
        if (form == Form.FULL) {
            for (int c = 0; c < classes; c++) {
                w[c * classes + c] = 1;
            }
        } else {
            Arrays.fill(w, 1);
        }
        return w;
    }

    /** The weight applied to feature {@code d} of output {@code c}, or -1 if none. */
    private int weightIndex(int c, int d) {
        if (form == Form.FULL) {
            return c * classes + d;
        }
        return c == d ? c : -1;
    }

    /**
     * Maps original parameters to the parameters of the standardized features: {@code W' = W /
     * scale} column-wise and {@code b' = b + W mean}.
     */
    private double[] toInternal(double[] weights, double[] biases) {
        double[] theta = new double[size()];
        for (int c = 0; c < classes; c++) {
            double b = biases[c];
            for (int d = 0; d < classes; d++) {
                int k = weightIndex(c, d);
                if (k >= 0) {
                    theta[k] = weights[k] / scale[d];
                    b += weights[k] * mean[d];
                }
            }
            theta[weightCount + c] = b;
        }
        return theta;
    }

    /** The inverse of {@link #toInternal}: {@code W = W' scale}, {@code b = b' - W mean}. */
    private double[] toOriginal(double[] theta) {
        double[] original = new double[size()];
        for (int c = 0; c < classes; c++) {
            double b = theta[weightCount + c];
            for (int d = 0; d < classes; d++) {
                int k = weightIndex(c, d);
                if (k >= 0) {
                    original[k] = theta[k] * scale[d];
                    b -= original[k] * mean[d];
                }
            }
            original[weightCount + c] = b;
        }
        return original;
    }

    /**
     * The Euclidean norm of the gradient in the original variables: with {@code theta' = A theta}
     * the gradient is {@code A^T g'}, i.e. {@code g_W = g'_W / scale + g'_b mean^T} and {@code g_b
     * = g'_b}.
     */
    double originalGradientNorm(double[] theta, double[] gradient) {
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            double gb = gradient[weightCount + c];
            sum += gb * gb;
            for (int d = 0; d < classes; d++) {
                int k = weightIndex(c, d);
                if (k >= 0) {
                    double g = gradient[k] / scale[d] + gb * mean[d];
                    sum += g * g;
                }
            }
        }
        return Math.sqrt(sum);
    }

    /**
     * Moves the original parameters along the directions that change neither the probabilities nor
     * the penalty, to one canonical point: softmax is unchanged by adding a constant to every bias
     * (then the biases are centred to sum 0) and, for the full form, by adding a vector {@code v}
     * to every row of {@code W} (then every column of {@code W} is made to sum to 1, as the
     * identity's columns do). A direction the penalty acts on is left alone: there the optimum is
     * unique. L-BFGS started from the identity without the change of variables ends at this same
     * point, since its steps never leave the span of the gradients.
     */
    private void canonical(double[] original) {
        if (form == Form.BINARY) {
            return;
        }
        if (interceptCoefficient == 0) {
            double mean = 0;
            for (int c = 0; c < classes; c++) {
                mean += original[weightCount + c];
            }
            mean /= classes;
            for (int c = 0; c < classes; c++) {
                original[weightCount + c] -= mean;
            }
        }
        if (form == Form.FULL && offDiagonalCoefficient == 0) {
            for (int d = 0; d < classes; d++) {
                double column = 0;
                for (int c = 0; c < classes; c++) {
                    column += original[c * classes + d];
                }
                double shift = (1 - column) / classes;
                for (int c = 0; c < classes; c++) {
                    original[c * classes + d] += shift;
                }
            }
        }
    }

    /** The ODIR penalty at internal parameters {@code theta} (0 unless the full form has one). */
    double penalty(double[] theta) {
        if (offDiagonalCoefficient == 0 && interceptCoefficient == 0) {
            return 0;
        }
        double[] original = toOriginal(theta);
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            for (int d = 0; d < classes; d++) {
                if (c != d) {
                    double w = original[c * classes + d];
                    sum += offDiagonalCoefficient * w * w;
                }
            }
            double b = original[weightCount + c];
            sum += interceptCoefficient * b * b;
        }
        return sum;
    }

    /** Adds the penalty's gradient, mapped to the internal variables, to {@code gradient}. */
    private void addPenaltyGradient(double[] theta, double[] gradient) {
        double[] original = toOriginal(theta);
        for (int c = 0; c < classes; c++) {
            double gb = 2 * interceptCoefficient * original[weightCount + c];
            gradient[weightCount + c] += gb;
            for (int d = 0; d < classes; d++) {
                int k = c * classes + d;
                double gw = c == d ? 0 : 2 * offDiagonalCoefficient * original[k];
                gradient[k] += scale[d] * (gw - gb * mean[d]);
            }
        }
    }

    /**
     * Returns the second derivative of the penalty in internal parameters {@code j} and {@code k}
     * (the penalty is quadratic, and no entry couples two classes): with {@code W = W' S}, {@code b
     * = b' - W mean}, {@code alpha} and {@code beta} the coefficients of the off-diagonal and
     * intercept terms, {@code d^2/dW'_cd dW'_ce = 2 alpha s_d^2 [d = e != c] + 2 beta s_d mean_d
     * s_e mean_e}, {@code d^2/dW'_cd db'_c = -2 beta s_d mean_d} and {@code d^2/db'_c^2 = 2 beta}.
     */
    double penaltyHessian(int j, int k) {
        if ((offDiagonalCoefficient == 0 && interceptCoefficient == 0)
                || classOf(j) != classOf(k)) {
            return 0;
        }
        double alpha = 2 * offDiagonalCoefficient;
        double beta = 2 * interceptCoefficient;
        boolean weightJ = j < weightCount;
        boolean weightK = k < weightCount;
        if (!weightJ && !weightK) {
            return beta;
        }
        if (weightJ != weightK) {
            int d = (weightJ ? j : k) % classes;
            return -beta * scale[d] * mean[d];
        }
        int d = j % classes;
        int e = k % classes;
        double value = beta * scale[d] * mean[d] * scale[e] * mean[e];
        if (d == e && d != classOf(j)) {
            value += alpha * scale[d] * scale[d];
        }
        return value;
    }

    /** The parameters of each output class: its weights, then its bias. */
    int[][] classParameters() {
        int[][] blocks = new int[classes][];
        for (int c = 0; c < classes; c++) {
            int weights = form == Form.FULL ? classes : 1;
            int[] block = new int[weights + 1];
            for (int d = 0; d < weights; d++) {
                block[d] = form == Form.FULL ? c * classes + d : c;
            }
            block[weights] = weightCount + c;
            blocks[c] = block;
        }
        return blocks;
    }

    /** The output class that parameter {@code j} belongs to. */
    int classOf(int j) {
        if (j >= weightCount) {
            return j - weightCount;
        }
        return form == Form.FULL ? j / classes : j;
    }

    /** The feature parameter {@code j} multiplies in row {@code i}: a standardized logit, or 1. */
    void features(int i, double[] phi) {
        for (int j = 0; j < weightCount; j++) {
            phi[j] = x[i * classes + (form == Form.FULL ? j % classes : j)];
        }
        for (int c = 0; c < classes; c++) {
            phi[weightCount + c] = 1;
        }
    }

    /** The probabilities of row {@code i} at {@code theta}: softmax, or the sigmoid for binary. */
    void probabilities(int i, double[] theta, double[] p) {
        int offset = i * classes;
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            double u = theta[weightCount + c];
            for (int d = 0; d < classes; d++) {
                int k = weightIndex(c, d);
                if (k >= 0) {
                    u += theta[k] * x[offset + d];
                }
            }
            p[c] = u;
            max = Math.max(max, u);
        }
        if (form == Form.BINARY) {
            p[0] = 1 / (1 + Math.exp(-p[0]));
        } else {
            softmaxInPlace(p, max);
        }
    }

    /** {@inheritDoc} */
    @Override
    public double evaluate(double[] theta, double[] gradient) {
        double value = pass(theta, gradient);
        if (offDiagonalCoefficient != 0 || interceptCoefficient != 0) {
            value += penalty(theta);
            addPenaltyGradient(theta, gradient);
        }
        return value;
    }

    /** One pass over the rows: returns the mean NLL and writes the mean gradient. */
    private double pass(double[] theta, double[] gradient) {
        double[][] partials = new double[chunks][];
        if (parallel) {
            IntStream.range(0, chunks)
                    .parallel()
                    .forEach(k -> partials[k] = evaluateChunk(k, theta));
        } else {
            for (int k = 0; k < chunks; k++) {
                partials[k] = evaluateChunk(k, theta);
            }
        }
        int n = size();
        Arrays.fill(gradient, 0);
        double value = 0;
        for (double[] partial : partials) {
            for (int j = 0; j < n; j++) {
                gradient[j] += partial[j];
            }
            value += partial[n];
        }
        for (int j = 0; j < n; j++) {
            gradient[j] /= rows;
        }
        return value / rows;
    }

    /** The summed NLL (last entry) and gradient of the rows of chunk {@code k}. */
    private double[] evaluateChunk(int k, double[] theta) {
        int from = k * chunkRows;
        int to = Math.min(rows, from + chunkRows);
        double[] out = new double[size() + 1];
        out[size()] =
                switch (form) {
                    case BINARY -> binaryRows(from, to, theta, out);
                    case DIAGONAL -> diagonalRows(from, to, theta, out);
                    default -> fullRows(from, to, theta, out);
                };
        return out;
    }

    private double binaryRows(int from, int to, double[] theta, double[] gradient) {
        double a = theta[0];
        double b = theta[1];
        double nll = 0;
        for (int i = from; i < to; i++) {
            double u = a * x[i] + b;
            int y = labels[i];
            // log(1 + e^u) - y u, and sigmoid(u), without overflow.
            double e = Math.exp(-Math.abs(u));
            nll += Math.max(u, 0) + Math.log1p(e) - y * u;
            double p = u >= 0 ? 1 / (1 + e) : e / (1 + e);
            double r = p - y;
            gradient[0] += r * x[i];
            gradient[1] += r;
        }
        return nll;
    }

    private double diagonalRows(int from, int to, double[] theta, double[] gradient) {
        int n = classes;
        double[] u = new double[n];
        double nll = 0;
        for (int i = from; i < to; i++) {
            int offset = i * n;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < n; c++) {
                double v = theta[c] * x[offset + c] + theta[n + c];
                u[c] = v;
                max = Math.max(max, v);
            }
            int y = labels[i];
            double label = u[y];
            nll += softmaxInPlace(u, max) - label;
            for (int c = 0; c < n; c++) {
                double r = c == y ? u[c] - 1 : u[c];
                gradient[c] += r * x[offset + c];
                gradient[n + c] += r;
            }
        }
        return nll;
    }

    private double fullRows(int from, int to, double[] theta, double[] gradient) {
        int n = classes;
        int biases = n * n;
        // W transposed, so that u = b + sum_d x_d W[:, d] is a run of contiguous axpys.
        double[] transposed = new double[n * n];
        for (int c = 0; c < n; c++) {
            for (int d = 0; d < n; d++) {
                transposed[d * n + c] = theta[c * n + d];
            }
        }
        double[] u = new double[n];
        double nll = 0;
        for (int i = from; i < to; i++) {
            int offset = i * n;
            System.arraycopy(theta, biases, u, 0, n);
            for (int d = 0; d < n; d++) {
                double xd = x[offset + d];
                int column = d * n;
                for (int c = 0; c < n; c++) {
                    u[c] += xd * transposed[column + c];
                }
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < n; c++) {
                max = Math.max(max, u[c]);
            }
            int y = labels[i];
            double label = u[y];
            nll += softmaxInPlace(u, max) - label;
            for (int c = 0; c < n; c++) {
                double r = c == y ? u[c] - 1 : u[c];
                gradient[biases + c] += r;
                int row = c * n;
                for (int d = 0; d < n; d++) {
                    gradient[row + d] += r * x[offset + d];
                }
            }
        }
        return nll;
    }

    /** Replaces the scores {@code u} by their softmax and returns {@code logsumexp(u)}. */
    private static double softmaxInPlace(double[] u, double max) {
        double sum = 0;
        for (int c = 0; c < u.length; c++) {
            double e = Math.exp(u[c] - max);
            u[c] = e;
            sum += e;
        }
        double inverse = 1 / sum;
        for (int c = 0; c < u.length; c++) {
            u[c] *= inverse;
        }
        return max + Math.log(sum);
    }
}
