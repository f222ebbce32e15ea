package io.github.tempered.calibration;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import org.testng.annotations.Test;

/** {@link BrierScore}: options and values against the NumPy fixtures. */
public class BrierScoreTest {

    @Test
    public void defaults() {
        BrierScore brier = new BrierScore();
        assertEquals(brier.getName(), "Brier");
        assertTrue(brier.isFromLogits());
        BrierScore custom = BrierScore.builder().optName("b").optFromLogits(false).build();
        assertEquals(custom.getName(), "b");
        assertFalse(custom.isFromLogits());
    }

    @Test
    public void matchesTheFixtures() {
        for (String name :
                new String[] {"onehot_f64", "random_f32_n317_c4_b10", "logits_f32_n150_c8"}) {
            JsonObject c = CalibrationFixtures.find(name);
            try (NDManager manager = NDManager.newBaseManager()) {
                NDList inputs = CalibrationFixtures.inputs(manager, c);
                BrierScore brier =
                        BrierScore.builder().optFromLogits(CalibrationFixtures.isLogits(c)).build();
                brier.addAccumulator("k");
                // Two halves of the same batch: the accumulator sums, it does not average means.
                NDList labels = new NDList(inputs.get(1));
                NDList predictions = new NDList(inputs.get(0));
                brier.updateAccumulator("k", labels, predictions);
                brier.updateAccumulator("k", labels, predictions);
                double expected = c.get("brier").getAsDouble();
                assertEquals(brier.getAccumulator("k"), expected, 1e-6 * expected, name);
                assertEquals(
                        brier.evaluate(labels, predictions)
                                .toType(DataType.FLOAT64, false)
                                .getDouble(),
                        expected,
                        1e-6 * expected,
                        name);
            }
        }
    }
}
