package io.github.tempered.calibration;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import org.testng.annotations.Test;

/** {@link ExpectedCalibrationError}: options and values against the NumPy fixtures. */
public class ExpectedCalibrationErrorTest {

    @Test
    public void defaults() {
        ExpectedCalibrationError ece = new ExpectedCalibrationError();
        assertEquals(ece.getName(), "ECE");
        assertEquals(ece.getNumBins(), 15);
        assertTrue(ece.isFromLogits());
        ExpectedCalibrationError custom =
                ExpectedCalibrationError.builder()
                        .optName("ece10")
                        .optNumBins(10)
                        .optFromLogits(false)
                        .build();
        assertEquals(custom.getName(), "ece10");
        assertEquals(custom.getNumBins(), 10);
        assertFalse(custom.isFromLogits());
    }

    @Test
    public void builderRejectsBadOptions() {
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> ExpectedCalibrationError.builder().optNumBins(0).build());
        assertTrue(e.getMessage().contains("numBins: must be at least 1, got 0"), e.getMessage());
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> ExpectedCalibrationError.builder().optName("").build());
        assertTrue(e.getMessage().contains("name: must not be null or empty"), e.getMessage());
    }

    @Test
    public void probabilitiesGiveTheFixtureEce() {
        for (String name : new String[] {"lenet_cifar10_all_b10", "bin_edges_f32_b5"}) {
            JsonObject c = CalibrationFixtures.find(name);
            try (NDManager manager = NDManager.newBaseManager()) {
                NDList inputs = CalibrationFixtures.inputs(manager, c);
                ExpectedCalibrationError ece =
                        ExpectedCalibrationError.builder()
                                .optNumBins(c.get("num_bins").getAsInt())
                                .optFromLogits(false)
                                .build();
                NDArray labels = inputs.get(1).toType(DataType.FLOAT32, false);
                NDArray value = ece.evaluate(new NDList(labels), new NDList(inputs.get(0)));
                assertEquals(value.getShape().dimension(), 0, name + ": a scalar");
                assertEquals(value.getDataType(), DataType.FLOAT32);
                assertEquals(
                        value.getFloat(), c.get("ece").getAsFloat(), 1e-6f, name + ": batch ECE");
                ece.addAccumulator("all");
                ece.updateAccumulator("all", new NDList(labels), new NDList(inputs.get(0)));
                assertEquals(
                        ece.getAccumulator("all"),
                        c.get("ece").getAsFloat(),
                        1e-6f,
                        name + ": accumulated ECE");
            }
        }
    }

    @Test
    public void logitsGiveTheFixtureEce() {
        JsonObject c = CalibrationFixtures.find("logits_f64_n150_c8");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList inputs = CalibrationFixtures.inputs(manager, c);
            NDArray value =
                    new ExpectedCalibrationError()
                            .evaluate(new NDList(inputs.get(1)), new NDList(inputs.get(0)));
            assertEquals(value.getDataType(), DataType.FLOAT64, "float64 in, float64 out");
            assertEquals(value.getDouble(), c.get("ece").getAsDouble(), 1e-12);
        }
    }
}
