package io.github.tempered.calibration;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.testng.annotations.Test;

/** {@link Convergence}: how the convex fits end, on ordinary, short and separable fits. */
public class ConvergenceTest {

    @Test
    public void anOrdinaryFitConvergesAndAnIterationLimitIsReported() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList in =
                    CalibratorFixtures.fitInputs(
                            manager, CalibratorFixtures.find("matrix_wrn10_1000"));
            MatrixFit full = new MatrixScaler().fit(in.get(0), in.get(1));
            assertEquals(full.convergence(), Convergence.CONVERGED, full.toString());
            MatrixFit cut =
                    MatrixScaler.builder().optMaxIterations(2).build().fit(in.get(0), in.get(1));
            assertEquals(cut.convergence(), Convergence.MAX_ITERATIONS, cut.toString());
            assertEquals(cut.iterations(), 2, cut.toString());
            assertTrue(cut.gradientNorm() > 1e-8, cut.toString());
            assertTrue(cut.toString().endsWith(", MAX_ITERATIONS]"), cut.toString());
        }
    }

    @Test
    public void separableLabelsEndWhereTheGradientVanishesWithANllNearZero() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray scores = manager.create(new double[] {-2, -1, -0.5, 0.5, 1, 2});
            NDArray labels = manager.create(new long[] {0, 0, 0, 1, 1, 1});
            PlattFit platt = new PlattScaler().fit(scores, labels);
            // The optimum lies at slope infinity; the gradient falls below 1e-8 on the way.
            assertEquals(platt.convergence(), Convergence.CONVERGED, platt.toString());
            assertTrue(platt.slope() > 10 && platt.nllAfter() < 1e-6, platt.toString());

            NDArray logits =
                    manager.create(
                            new double[] {2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 0, 0}, new Shape(4, 3));
            VectorFit vector =
                    new VectorScaler().fit(logits, manager.create(new long[] {0, 1, 2, 0}));
            assertTrue(vector.nllAfter() < 1e-6, vector.toString());
        }
    }
}
