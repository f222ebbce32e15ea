package io.github.tempered.calibration;

import static org.testng.Assert.assertEquals;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tempered.nn.AffineScaledBlock;
import java.io.IOException;
import org.testng.annotations.Test;

/** {@link MatrixFit}: the wrapped block through save and load, and the canonical gauge. */
public class MatrixFitTest {

    @Test
    public void wrappedClassifierSurvivesSaveAndLoad() throws IOException, MalformedModelException {
        SavedCalibrations.roundTrip(
                "matrix",
                3,
                in -> new MatrixScaler().fit(in.get(0), in.get(1)),
                MatrixFit::wrap,
                classifier -> AffineScaledBlock.builder().setBlock(classifier).build());
    }

    @Test
    public void dirichletClassifierSurvivesSaveAndLoad()
            throws IOException, MalformedModelException {
        SavedCalibrations.roundTrip(
                "dirichlet",
                3,
                in ->
                        MatrixScaler.builder()
                                .optInput(MatrixScaler.Input.LOG_PROBABILITIES)
                                .optOffDiagonalL2(0.1)
                                .optInterceptL2(0.1)
                                .build()
                                .fit(in.get(0), in.get(1)),
                MatrixFit::wrap,
                classifier -> AffineScaledBlock.builder().setBlock(classifier).build());
    }

    @Test
    public void unpenalisedColumnsSumToOneAndBiasesToZero() {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(3);
            NDArray logits = manager.randomNormal(new Shape(300, 4)).mul(2);
            NDArray labels = logits.add(manager.randomNormal(new Shape(300, 4)).mul(2)).argMax(1);
            MatrixFit fit = new MatrixScaler().fit(logits, labels);
            double[][] w = fit.weights();
            for (int d = 0; d < 4; d++) {
                double column = 0;
                for (int c = 0; c < 4; c++) {
                    column += w[c][d];
                }
                assertEquals(column, 1, 1e-12, "column " + d + " of W");
            }
            double bias = 0;
            for (double b : fit.biases()) {
                bias += b;
            }
            assertEquals(bias, 0, 1e-12, "biases");
            assertEquals(fit.input(), MatrixScaler.Input.LOGITS);
            assertEquals(fit.toString().substring(0, 15), "MatrixFit[C=4, ");
        }
    }
}
