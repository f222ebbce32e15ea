package io.github.tempered.calibration;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/** {@link VectorScaler}: the optimum of PyTorch's float64 L-BFGS, options and edge cases. */
public class VectorScalerTest {

    @DataProvider
    public static Object[][] cases() {
        return CalibratorFixtures.names("vector");
    }

    @Test(dataProvider = "cases")
    public void matchesTheFloat64LbfgsOptimum(String name) {
        JsonObject c = CalibratorFixtures.find(name);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList in = CalibratorFixtures.fitInputs(manager, c);
            VectorFit fit = new VectorScaler().fit(in.get(0), in.get(1));
            FitChecks.affine(
                    name,
                    c,
                    fit,
                    fit.convergence(),
                    fit.gradientNorm(),
                    fit.apply(CalibratorFixtures.heldout(manager, c)));
            FitChecks.parameters(
                    name, "weights", fit.weights(), CalibratorFixtures.doubles(c, "weights"));
            FitChecks.parameters(
                    name, "biases", fit.biases(), CalibratorFixtures.doubles(c, "biases"));
        }
    }

    @Test
    public void float32LogitsFitLikeTheirFloat64Widening() {
        JsonObject c = CalibratorFixtures.find("vector_synthetic_C5");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList in = CalibratorFixtures.fitInputs(manager, c);
            NDArray single = in.get(0).toType(DataType.FLOAT32, false);
            VectorFit a = new VectorScaler().fit(single, in.get(1));
            VectorFit b = new VectorScaler().fit(single.toType(DataType.FLOAT64, false), in.get(1));
            assertEquals(a.nllAfter(), b.nllAfter(), 0, "float32 vs widened float64");
            assertEquals(a.weights(), b.weights(), "float32 vs widened float64 weights");
        }
    }

    @Test
    public void optionsAreValidatedAndApplied() {
        VectorScaler loose =
                VectorScaler.builder().optGradientTolerance(1e-3).optMaxIterations(3).build();
        JsonObject c = CalibratorFixtures.find("vector_lenet_1000");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList in = CalibratorFixtures.fitInputs(manager, c);
            VectorFit fit = loose.fit(in.get(0), in.get(1));
            assertTrue(fit.iterations() <= 3, "at most 3 iterations, got " + fit);
            assertTrue(
                    fit.convergence() == Convergence.CONVERGED
                            ? fit.gradientNorm() <= 1e-3
                            : fit.convergence() == Convergence.MAX_ITERATIONS,
                    "loose fit: " + fit);
            assertTrue(fit.nllAfter() < fit.nllBefore(), "loose fit lowers the NLL: " + fit);
            assertTrue(fit.toString().startsWith("VectorFit[C=10, NLL "), fit.toString());
        }
    }
}
