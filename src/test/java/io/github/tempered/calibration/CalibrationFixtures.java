package io.github.tempered.calibration;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import io.github.tempered.testing.Fixtures;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** Reads {@code fixtures/calibration.json} and the model outputs it refers to. */
final class CalibrationFixtures {

    static final List<JsonObject> CASES = Fixtures.cases("calibration.json");

    static final String LENET = "model-outputs/lenet-5-cifar-10.npz";

    private CalibrationFixtures() {}

    static JsonObject find(String name) {
        return CASES.stream()
                .filter(c -> c.get("name").getAsString().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no fixture case " + name));
    }

    static Object[][] names() {
        Object[][] rows = new Object[CASES.size()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new Object[] {CASES.get(i).get("name").getAsString()};
        }
        return rows;
    }

    static boolean isLogits(JsonObject c) {
        return "logits".equals(c.get("kind").getAsString());
    }

    /** The case's input (probabilities or logits) and labels, attached to {@code manager}. */
    static NDList inputs(NDManager manager, JsonObject c) {
        if (c.has("resource")) {
            long[] rows = Fixtures.longs(c.getAsJsonArray("rows"));
            NDList data = npz(manager, c.get("resource").getAsString());
            NDArray probs = data.get("predictions").get(new NDIndex("{}:{}", rows[0], rows[1]));
            NDArray labels = data.get("ground_truth").get(new NDIndex("{}:{}", rows[0], rows[1]));
            if (isLogits(c)) {
                // float64 logs: float32 logs may differ by an ulp between PyTorch and NumPy.
                probs = probs.toType(DataType.FLOAT64, false).log();
            }
            return new NDList(probs, labels);
        }
        DataType dtype =
                "float64".equals(c.get("dtype").getAsString())
                        ? DataType.FLOAT64
                        : DataType.FLOAT32;
        Shape shape = new Shape(Fixtures.longs(c.getAsJsonArray("shape")));
        NDArray input =
                manager.create(Fixtures.doubles(c.getAsJsonArray("input")), shape)
                        .toType(dtype, false);
        NDArray labels = manager.create(Fixtures.longs(c.getAsJsonArray("labels")));
        labels = labels.toType(labelType(c.get("labels_dtype").getAsString()), false);
        return new NDList(input, labels);
    }

    static DataType labelType(String name) {
        switch (name) {
            case "int64":
                return DataType.INT64;
            case "int32":
                return DataType.INT32;
            case "uint8":
                return DataType.UINT8;
            case "int8":
                return DataType.INT8;
            default:
                throw new IllegalArgumentException("unknown label type " + name);
        }
    }

    /** Decodes a NumPy .npz test resource with DJL; the arrays carry the .npz entry names. */
    static NDList npz(NDManager manager, String resource) {
        try (InputStream in = CalibrationFixtures.class.getResourceAsStream("/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            return NDList.decode(manager, in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static CalibrationReport report(NDList inputs, JsonObject c) {
        int bins = c.get("num_bins").getAsInt();
        return isLogits(c)
                ? CalibrationReport.ofLogits(inputs.get(0), inputs.get(1), bins)
                : CalibrationReport.of(inputs.get(0), inputs.get(1), bins);
    }
}
