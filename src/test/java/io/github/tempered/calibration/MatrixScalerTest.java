package io.github.tempered.calibration;

import static org.testng.Assert.assertEquals;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * {@link MatrixScaler}: matrix scaling and Dirichlet calibration, with and without ODIR, against
 * PyTorch's float64 L-BFGS optimum.
 */
public class MatrixScalerTest {

    @DataProvider
    public static Object[][] cases() {
        Object[][] matrix = CalibratorFixtures.names("matrix");
        Object[][] dirichlet = CalibratorFixtures.names("dirichlet");
        Object[][] all = new Object[matrix.length + dirichlet.length][];
        System.arraycopy(matrix, 0, all, 0, matrix.length);
        System.arraycopy(dirichlet, 0, all, matrix.length, dirichlet.length);
        return all;
    }

    static MatrixScaler scaler(JsonObject c) {
        return MatrixScaler.builder()
                .optInput(
                        "dirichlet".equals(c.get("method").getAsString())
                                ? MatrixScaler.Input.LOG_PROBABILITIES
                                : MatrixScaler.Input.LOGITS)
                .optOffDiagonalL2(c.get("offdiag_l2").getAsDouble())
                .optInterceptL2(c.get("intercept_l2").getAsDouble())
                .build();
    }

    @Test(dataProvider = "cases")
    public void matchesTheFloat64LbfgsOptimum(String name) {
        JsonObject c = CalibratorFixtures.find(name);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList in = CalibratorFixtures.fitInputs(manager, c);
            MatrixFit fit = scaler(c).fit(in.get(0), in.get(1));
            FitChecks.affine(
                    name,
                    c,
                    fit,
                    fit.convergence(),
                    fit.gradientNorm(),
                    fit.apply(CalibratorFixtures.heldout(manager, c)));
            double[][] w = fit.weights();
            int classes = w.length;
            if (c.has("weights")) {
                double[] flat = new double[classes * classes];
                for (int k = 0; k < classes; k++) {
                    System.arraycopy(w[k], 0, flat, k * classes, classes);
                }
                FitChecks.parameters(
                        name, "weights", flat, CalibratorFixtures.doubles(c, "weights"));
            } else {
                double[] diagonal = new double[classes];
                double norm = 0;
                for (int k = 0; k < classes; k++) {
                    diagonal[k] = w[k][k];
                    for (double v : w[k]) {
                        norm += v * v;
                    }
                }
                FitChecks.parameters(
                        name,
                        "diagonal",
                        diagonal,
                        CalibratorFixtures.doubles(c, "weights_diagonal"));
                FitChecks.parameters(
                        name, "row 0", w[0], CalibratorFixtures.doubles(c, "weights_row0"));
                assertEquals(
                        Math.sqrt(norm),
                        c.get("weights_norm").getAsDouble(),
                        1e-6 * c.get("weights_norm").getAsDouble(),
                        name + ": Frobenius norm of W");
            }
            FitChecks.parameters(
                    name, "biases", fit.biases(), CalibratorFixtures.doubles(c, "biases"));
            assertEquals(
                    fit.input(),
                    scaler(c).getInput(),
                    name + ": input of the fit and of the scaler");
        }
    }

    @Test
    public void optionsAreReadBack() {
        MatrixScaler scaler =
                MatrixScaler.builder()
                        .optInput(MatrixScaler.Input.LOG_PROBABILITIES)
                        .optOffDiagonalL2(0.25)
                        .optInterceptL2(0.5)
                        .build();
        assertEquals(scaler.getInput(), MatrixScaler.Input.LOG_PROBABILITIES);
        assertEquals(scaler.getOffDiagonalL2(), 0.25);
        assertEquals(scaler.getInterceptL2(), 0.5);
        MatrixScaler defaults = new MatrixScaler();
        assertEquals(defaults.getInput(), MatrixScaler.Input.LOGITS);
        assertEquals(defaults.getOffDiagonalL2(), 0.0);
        assertEquals(defaults.getInterceptL2(), 0.0);
    }
}
