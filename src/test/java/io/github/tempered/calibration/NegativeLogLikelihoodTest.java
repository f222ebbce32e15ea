package io.github.tempered.calibration;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import org.testng.annotations.Test;

/** {@link NegativeLogLikelihood}: options and values against the NumPy/PyTorch fixtures. */
public class NegativeLogLikelihoodTest {

    @Test
    public void defaults() {
        NegativeLogLikelihood nll = new NegativeLogLikelihood();
        assertEquals(nll.getName(), "NLL");
        assertTrue(nll.isFromLogits());
        NegativeLogLikelihood custom =
                NegativeLogLikelihood.builder().optName("nll").optFromLogits(false).build();
        assertEquals(custom.getName(), "nll");
        assertFalse(custom.isFromLogits());
    }

    @Test
    public void largeLogitsGiveAFiniteNll() {
        // Logits of magnitude 1e4: the log-softmax keeps the NLL finite (about 7e3).
        JsonObject c = CalibrationFixtures.find("logits_f32_magnitude_1e4");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList inputs = CalibrationFixtures.inputs(manager, c);
            NegativeLogLikelihood nll = new NegativeLogLikelihood();
            nll.addAccumulator("k");
            nll.updateAccumulator("k", new NDList(inputs.get(1)), new NDList(inputs.get(0)));
            double expected = c.get("nll").getAsDouble();
            assertEquals(nll.getAccumulator("k"), expected, 1e-5 * expected);
            assertEquals(
                    nll.evaluate(new NDList(inputs.get(1)), new NDList(inputs.get(0))).getFloat(),
                    expected,
                    1e-5 * expected);
        }
    }

    @Test
    public void zeroProbabilitiesClampAtTheTypesTinyNumber() {
        for (String name : new String[] {"zero_true_prob_f32", "zero_true_prob_f64"}) {
            JsonObject c = CalibrationFixtures.find(name);
            try (NDManager manager = NDManager.newBaseManager()) {
                NDList inputs = CalibrationFixtures.inputs(manager, c);
                NegativeLogLikelihood nll =
                        NegativeLogLikelihood.builder().optFromLogits(false).build();
                double value =
                        nll.evaluate(new NDList(inputs.get(1)), new NDList(inputs.get(0)))
                                .toType(DataType.FLOAT64, false)
                                .getDouble();
                double expected = c.get("nll").getAsDouble();
                // float32 predictions give a float32 scalar: compare relatively.
                assertEquals(value, expected, 1e-6 * expected, name);
            }
        }
    }
}
