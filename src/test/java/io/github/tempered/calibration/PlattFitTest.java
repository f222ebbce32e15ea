package io.github.tempered.calibration;

import static org.testng.Assert.assertEquals;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.tempered.nn.AffineScaledBlock;
import java.io.IOException;
import org.testng.annotations.Test;

/** {@link PlattFit}: apply and the wrapped binary classifier through save and load. */
public class PlattFitTest {

    @Test
    public void wrappedBinaryClassifierSurvivesSaveAndLoad()
            throws IOException, MalformedModelException {
        SavedCalibrations.roundTrip(
                "platt",
                1,
                in -> new PlattScaler().fit(in.get(0), in.get(1)),
                PlattFit::wrap,
                classifier -> AffineScaledBlock.builder().setBlock(classifier).build());
    }

    @Test
    public void applyIsTheSigmoidOfTheAffineScore() {
        PlattFit fit = new PlattScaling(2, -1, 0.7, 0.5, 3, 0, Convergence.CONVERGED);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray scores = manager.create(new float[] {-1, 0, 0.5f, 3}, new Shape(4, 1));
            NDArray p = fit.apply(scores);
            assertEquals(p.getShape(), new Shape(4), "(N, 1) scores give (N) probabilities");
            assertEquals(p.getDataType(), DataType.FLOAT32);
            float[] values = p.toFloatArray();
            double[] scoresD = {-1, 0, 0.5, 3};
            for (int i = 0; i < 4; i++) {
                assertEquals(
                        values[i], 1 / (1 + Math.exp(-(2 * scoresD[i] - 1))), 1e-6, "row " + i);
            }
            assertEquals(
                    fit.toString(),
                    "PlattFit[slope=2.00000, intercept=-1.00000, NLL 0.70000 -> 0.50000, 3"
                            + " iterations, |grad| 0.0]");
        }
    }
}
