package io.github.tempered.calibration;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import org.testng.annotations.Test;

/** {@link Lbfgs}: convergence on standard test functions, and how it stops. */
public class LbfgsTest {

    private static final Lbfgs OPTIMIZER = new Lbfgs(10, 1e-10, 500);

    private static double norm(double[] x, double[] g) {
        return Math.sqrt(Lbfgs.dot(g, g));
    }

    @Test
    public void findsTheRosenbrockMinimum() {
        Lbfgs.Objective rosenbrock =
                (x, g) -> {
                    double a = 1 - x[0];
                    double b = x[1] - x[0] * x[0];
                    g[0] = -2 * a - 400 * x[0] * b;
                    g[1] = 200 * b;
                    return a * a + 100 * b * b;
                };
        Lbfgs.Result result =
                OPTIMIZER.minimize(rosenbrock, new double[] {-1.2, 1}, LbfgsTest::norm, x -> null);
        assertEquals(result.convergence(), Convergence.CONVERGED, "rosenbrock: " + result);
        assertEquals(result.x()[0], 1, 1e-9, "rosenbrock: x0");
        assertEquals(result.x()[1], 1, 1e-9, "rosenbrock: x1");
        assertTrue(result.gradientNorm() <= 1e-10, "rosenbrock: gradient " + result);
        assertEquals(result.startValue(), 24.2, 1e-12, "rosenbrock: start value");
    }

    @Test
    public void illConditionedQuadraticConvergesAndAnExactPreconditionerNeedsOneStep() {
        double[] diagonal = {1e-4, 1, 1e4};
        Lbfgs.Objective quadratic =
                (x, g) -> {
                    double f = 0;
                    for (int i = 0; i < x.length; i++) {
                        g[i] = diagonal[i] * (x[i] - i);
                        f += 0.5 * diagonal[i] * (x[i] - i) * (x[i] - i);
                    }
                    return f;
                };
        double[] start = {5, 5, 5};
        Lbfgs.Result plain = OPTIMIZER.minimize(quadratic, start, LbfgsTest::norm, x -> null);
        assertEquals(plain.convergence(), Convergence.CONVERGED, "plain: " + plain);
        for (int i = 0; i < 3; i++) {
            assertEquals(plain.x()[i], i, 1e-6, "plain: x" + i);
        }
        Lbfgs.Result exact =
                OPTIMIZER.minimize(
                        quadratic,
                        start,
                        LbfgsTest::norm,
                        x ->
                                q -> {
                                    double[] out = new double[q.length];
                                    for (int i = 0; i < q.length; i++) {
                                        out[i] = q[i] / diagonal[i];
                                    }
                                    return out;
                                });
        assertEquals(exact.iterations(), 1, "preconditioned: " + exact);
        assertEquals(exact.evaluations(), 2, "preconditioned: " + exact);
    }

    @Test
    public void anUnboundedObjectiveStopsWithoutConverging() {
        // -atan(x) decreases for ever towards -pi/2: its gradient vanishes only as 1 / x^2.
        Lbfgs.Objective decreasing =
                (x, g) -> {
                    g[0] = -1 / (1 + x[0] * x[0]);
                    return -Math.atan(x[0]);
                };
        Lbfgs.Result result =
                new Lbfgs(5, 1e-30, 50)
                        .minimize(decreasing, new double[] {0}, LbfgsTest::norm, x -> null);
        assertTrue(
                result.convergence() != Convergence.CONVERGED,
                "unbounded: expected no convergence, got " + result);
        assertTrue(
                result.value() < -1.5,
                "unbounded: value should fall towards -pi/2, got " + result.value());
    }

    @Test
    public void aStartAtTheOptimumMakesNoIteration() {
        Lbfgs.Objective bowl =
                (x, g) -> {
                    g[0] = 2 * x[0];
                    return x[0] * x[0];
                };
        Lbfgs.Result result =
                OPTIMIZER.minimize(bowl, new double[] {0}, LbfgsTest::norm, x -> null);
        assertEquals(result.iterations(), 0, "at the optimum: " + result);
        assertEquals(result.convergence(), Convergence.CONVERGED, "at the optimum: " + result);
    }
}
