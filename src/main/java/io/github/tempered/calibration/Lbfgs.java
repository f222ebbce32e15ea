package io.github.tempered.calibration;

/**
 * Limited-memory BFGS (Nocedal and Wright, "Numerical Optimization", 2nd ed., Algorithm 7.5) with a
 * line search that enforces the strong Wolfe conditions (Algorithms 3.5 and 3.6, cubic
 * interpolation), in float64 over plain {@code double[]} parameters. The one optimizer behind the
 * convex calibration fits.
 *
 * <p>Near the optimum the decrease a step achieves falls to the rounding level of the objective, so
 * the sufficient-decrease test also accepts the approximate Wolfe conditions of Hager and Zhang
 * (2005): a value within a rounding allowance of the start and a directional derivative in {@code
 * [c2 g'd, (1 - 2 c1) |g'd|]}. The iteration stops when a caller-supplied norm of the gradient
 * falls to the tolerance, when the iteration limit is reached, or when no step lowers the objective
 * even along the steepest descent direction.
 *
 * <p>Instances hold only options and are safe to share; each {@link #minimize} call has its own
 * state.
 */
final class Lbfgs {

    /** Sufficient-decrease constant of the Wolfe conditions. */
    private static final double C1 = 1e-4;

    /** Curvature constant of the Wolfe conditions. */
    private static final double C2 = 0.9;

    /** Objective evaluations one line search may make. */
    private static final int MAX_EVALUATIONS = 30;

    /** Iterations between refreshes of the preconditioner. */
    private static final int REFRESH = 10;

    /** Within this factor of the tolerance the preconditioner is no longer refreshed. */
    private static final double NEAR = 1e3;

    /** Relative rounding allowance on the objective for the approximate Wolfe conditions. */
    private static final double VALUE_NOISE = 1e-12;

    private final int memory;
    private final double tolerance;
    private final int maxIterations;

    /**
     * Creates an optimizer.
     *
     * @param memory the number of correction pairs kept, at least 1
     * @param tolerance the stop test: the gradient norm at which the iterate counts as optimal
     * @param maxIterations the largest number of iterations (line searches)
     */
    Lbfgs(int memory, double tolerance, int maxIterations) {
        this.memory = memory;
        this.tolerance = tolerance;
        this.maxIterations = maxIterations;
    }

    /** A differentiable objective. */
    @FunctionalInterface
    interface Objective {
        /**
         * Evaluates the objective and its gradient.
         *
         * @param x the point, not modified
         * @param gradient receives the gradient at {@code x}
         * @return the value at {@code x}; may be infinite or NaN where undefined
         */
        double evaluate(double[] x, double[] gradient);
    }

    /** An approximation {@code M} of the inverse Hessian, the initial matrix of the recursion. */
    @FunctionalInterface
    interface Preconditioner {
        /**
         * Multiplies by {@code M}, symmetric positive definite.
         *
         * @param q the vector, not modified
         * @return {@code M q}, a new array
         */
        double[] apply(double[] q);
    }

    /** The norm of the gradient that the stop test compares with the tolerance. */
    @FunctionalInterface
    interface GradientNorm {
        /**
         * Measures the gradient.
         *
         * @param x the point
         * @param gradient the gradient at {@code x}
         * @return its norm
         */
        double of(double[] x, double[] gradient);
    }

    /**
     * The outcome of a minimization.
     *
     * @param x the last iterate
     * @param startValue the objective at the start
     * @param value the objective at the last iterate
     * @param gradientNorm the norm of its gradient
     * @param iterations the number of iterations (line searches) made
     * @param evaluations the number of objective evaluations made
     * @param convergence how the iteration ended
     */
    record Result(
            double[] x,
            double startValue,
            double value,
            double gradientNorm,
            int iterations,
            int evaluations,
            Convergence convergence) {}

    /**
     * Minimizes {@code objective} from {@code start}.
     *
     * @param objective the objective, finite at {@code start}
     * @param start the starting point, not modified
     * @param norm the gradient norm of the stop test
     * @param preconditioners gives the initial inverse Hessian approximation {@code M} at a point
     *     (at the start, then again every {@link #REFRESH} iterations), scaled by {@code s'y /
     *     y'My}; it may give {@code null} for the identity (scaled by {@code s'y / y'y})
     * @return the result
     */
    Result minimize(
            Objective objective,
            double[] start,
            GradientNorm norm,
            java.util.function.Function<double[], Preconditioner> preconditioners) {
        int n = start.length;
        double[] x = start.clone();
        double[] g = new double[n];
        double f = objective.evaluate(x, g);
        if (!Double.isFinite(f)) {
            throw new IllegalStateException("the objective is not finite at the start: " + f);
        }
        final double startValue = f;
        int evaluations = 1;
        double gradientNorm = norm.of(x, g);
        History history = new History(memory, preconditioners.apply(x));
        int iteration = 0;
        while (gradientNorm > tolerance) {
            if (iteration == maxIterations) {
                return new Result(
                        x,
                        startValue,
                        f,
                        gradientNorm,
                        iteration,
                        evaluations,
                        Convergence.MAX_ITERATIONS);
            }
            iteration++;
            // Near the tolerance the correction pairs carry the curvature: no new estimate.
            if (iteration % REFRESH == 0 && gradientNorm > NEAR * tolerance) {
                history.precondition(preconditioners.apply(x));
            }
            double[] d = history.direction(g);
            double slope = dot(g, d);
            if (!(slope < 0)) {
                history.clear();
                d = history.direction(g);
                slope = dot(g, d);
            }
            // Without curvature pairs and preconditioner the direction is -g: a first step of
            // length at most 1.
            double first =
                    history.isEmpty() && !history.isPreconditioned()
                            ? Math.min(1, 1 / Math.sqrt(-slope))
                            : 1;
            LineSearch search = new LineSearch(objective, x, f, d, slope);
            Point point = search.run(first);
            evaluations += search.evaluations;
            if (point == null) {
                if (history.isEmpty()) {
                    return new Result(
                            x,
                            startValue,
                            f,
                            gradientNorm,
                            iteration,
                            evaluations,
                            Convergence.STALLED);
                }
                history.clear(); // retry along the steepest descent direction
                continue;
            }
            double[] s = new double[n];
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                s[i] = point.step * d[i];
                y[i] = point.gradient[i] - g[i];
                x[i] += s[i];
            }
            history.add(s, y);
            f = point.value;
            g = point.gradient;
            gradientNorm = norm.of(x, g);
        }
        return new Result(
                x, startValue, f, gradientNorm, iteration, evaluations, Convergence.CONVERGED);
    }

    static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    /** The last {@code memory} correction pairs and the two-loop recursion. */
    private static final class History {
        private final double[][] s;
        private final double[][] y;
        private final double[] rho;
        private final double[] alpha;
        private Preconditioner preconditioner;
        private int size;
        private int newest = -1;
        private double gamma = 1;

        History(int memory, Preconditioner preconditioner) {
            this.preconditioner = preconditioner;
            s = new double[memory][];
            y = new double[memory][];
            rho = new double[memory];
            alpha = new double[memory];
        }

        /**
         * Replaces the preconditioner; its scale is set at once from the newest pair, so that a
         * preconditioner that misjudges the curvature's size (near-singular where the fit
         * saturates) cannot produce a wild step.
         */
        void precondition(Preconditioner next) {
            preconditioner = next;
            gamma = 1;
            if (size > 0) {
                double[] yk = y[newest];
                double yMy = next == null ? dot(yk, yk) : dot(yk, next.apply(yk));
                if (yMy > 0) {
                    gamma = 1 / (rho[newest] * yMy);
                }
            }
        }

        boolean isPreconditioned() {
            return preconditioner != null;
        }

        boolean isEmpty() {
            return size == 0;
        }

        void clear() {
            size = 0;
            newest = -1;
            gamma = 1;
        }

        /** Keeps the pair when its curvature {@code s'y} is safely positive. */
        void add(double[] sk, double[] yk) {
            double sy = dot(sk, yk);
            double yy = dot(yk, yk);
            if (!(sy > 1e-12 * Math.sqrt(dot(sk, sk) * yy)) || !(yy > 0)) {
                return;
            }
            double yMy = preconditioner == null ? yy : dot(yk, preconditioner.apply(yk));
            if (!(yMy > 0)) {
                return;
            }
            gamma = sy / yMy;
            newest = (newest + 1) % s.length;
            s[newest] = sk;
            y[newest] = yk;
            rho[newest] = 1 / sy;
            size = Math.min(size + 1, s.length);
        }

        /** Returns {@code -H g} for the L-BFGS inverse Hessian approximation {@code H}. */
        double[] direction(double[] g) {
            int n = g.length;
            double[] q = g.clone();
            for (int k = 0, i = newest; k < size; k++, i = previous(i)) {
                alpha[i] = rho[i] * dot(s[i], q);
                axpy(-alpha[i], y[i], q);
            }
            if (preconditioner != null) {
                q = preconditioner.apply(q);
            }
            double scale = size == 0 ? 1 : gamma;
            for (int j = 0; j < n; j++) {
                q[j] *= scale;
            }
            for (int k = 0, i = oldest(); k < size; k++, i = (i + 1) % s.length) {
                double beta = rho[i] * dot(y[i], q);
                axpy(alpha[i] - beta, s[i], q);
            }
            for (int j = 0; j < n; j++) {
                q[j] = -q[j];
            }
            return q;
        }

        private int previous(int i) {
            return (i - 1 + s.length) % s.length;
        }

        private int oldest() {
            return ((newest - size + 1) % s.length + s.length) % s.length;
        }

        private static void axpy(double a, double[] x, double[] y) {
            for (int j = 0; j < y.length; j++) {
                y[j] += a * x[j];
            }
        }
    }

    /** One trial point of a line search: the step, the value, the gradient and the slope. */
    private record Point(double step, double value, double[] gradient, double slope) {}

    /** A line search along {@code d} from {@code x} for a point meeting the strong Wolfe rules. */
    private static final class LineSearch {
        private final Objective objective;
        private final double[] x;
        private final double[] d;
        private final double[] trial;
        private final Point origin;
        private final double noise;
        int evaluations;

        LineSearch(Objective objective, double[] x, double value, double[] d, double slope) {
            this.objective = objective;
            this.x = x.clone();
            this.d = d;
            this.trial = new double[x.length];
            this.origin = new Point(0, value, null, slope);
            this.noise = VALUE_NOISE * Math.max(1, Math.abs(value));
        }

        /** Returns an acceptable point, the best point that lowers the objective, or null. */
        Point run(double firstStep) {
            Point previous = origin;
            double step = firstStep;
            while (evaluations < MAX_EVALUATIONS) {
                Point point = evaluate(step);
                boolean decreases = decreases(point);
                if (decreases && flat(point)) {
                    return point;
                }
                if (!decreases || (previous != origin && point.value >= previous.value)) {
                    return zoom(previous, point);
                }
                if (point.slope >= 0) {
                    return zoom(point, previous);
                }
                double next = cubicMinimizer(previous, point);
                // Extrapolate: at least 10% further, at most 10 times the step.
                if (!(next >= 1.1 * step)) {
                    next = 4 * step;
                }
                previous = point;
                step = Math.min(next, 10 * step);
            }
            return previous == origin ? null : previous;
        }

        /**
         * Narrows the bracket between {@code low} (the lowest point that satisfies the decrease
         * test) and {@code high}, whose slope signs bracket a minimizer.
         */
        private Point zoom(Point low, Point high) {
            while (evaluations < MAX_EVALUATIONS) {
                double lo = Math.min(low.step, high.step);
                double hi = Math.max(low.step, high.step);
                double width = hi - lo;
                if (!(width > Math.ulp(hi) * 4)) {
                    break;
                }
                double step = cubicMinimizer(low, high);
                double margin = 0.1 * width;
                if (!(step >= lo + margin && step <= hi - margin)) {
                    step =
                            Double.isNaN(step)
                                    ? 0.5 * (lo + hi)
                                    : clamp(step, lo + margin, hi - margin);
                }
                Point point = evaluate(step);
                boolean decreases = decreases(point);
                if (decreases && flat(point)) {
                    return point;
                }
                if (!decreases || point.value >= low.value) {
                    high = point;
                } else {
                    if (point.slope * (high.step - low.step) >= 0) {
                        high = low;
                    }
                    low = point;
                }
            }
            return low == origin ? null : low;
        }

        private Point evaluate(double step) {
            for (int i = 0; i < x.length; i++) {
                trial[i] = x[i] + step * d[i];
            }
            double[] gradient = new double[x.length];
            double value = objective.evaluate(trial, gradient);
            evaluations++;
            if (Double.isNaN(value)) {
                value = Double.POSITIVE_INFINITY;
            }
            return new Point(step, value, gradient, dot(gradient, d));
        }

        /** The sufficient-decrease test, or its approximate form at the rounding level. */
        private boolean decreases(Point p) {
            if (!Double.isFinite(p.value) || !Double.isFinite(p.slope)) {
                return false;
            }
            if (p.value <= origin.value + C1 * p.step * origin.slope) {
                return true;
            }
            return p.value <= origin.value + noise
                    && p.slope <= (1 - 2 * C1) * -origin.slope
                    && p.slope >= C2 * origin.slope;
        }

        /** The strong curvature condition {@code |g(x + t d)'d| <= c2 |g'd|}. */
        private boolean flat(Point p) {
            return Math.abs(p.slope) <= -C2 * origin.slope;
        }

        /** The minimizer of the cubic through two points' values and slopes; NaN if none. */
        private static double cubicMinimizer(Point a, Point b) {
            if (!Double.isFinite(a.value) || !Double.isFinite(b.value)) {
                return Double.NaN;
            }
            double d1 = a.slope + b.slope - 3 * (a.value - b.value) / (a.step - b.step);
            double discriminant = d1 * d1 - a.slope * b.slope;
            if (!(discriminant >= 0)) {
                return Double.NaN;
            }
            double d2 = Math.copySign(Math.sqrt(discriminant), b.step - a.step);
            return b.step - (b.step - a.step) * (b.slope + d2 - d1) / (b.slope - a.slope + 2 * d2);
        }

        private static double clamp(double v, double lo, double hi) {
            return Math.max(lo, Math.min(hi, v));
        }
    }
}
