package io.github.tempered.calibration;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import io.github.tempered.testing.Fixtures;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads {@code fixtures/calibrators.json} (written by {@code tools/fixtures_calibrators.py}) and
 * builds each case's fit and held-out inputs: inline arrays, or row ranges of the CIFAR outputs
 * with logits {@code log(p)} in float64 (binary cases: the score {@code log(p_k) - log(1 - p_k)} of
 * one class against the rest).
 */
final class CalibratorFixtures {

    static final List<JsonObject> CASES = Fixtures.cases("calibrators.json");

    private CalibratorFixtures() {}

    /** The names of the cases of one method, as TestNG data-provider rows. */
    static Object[][] names(String method) {
        List<String> names =
                CASES.stream()
                        .filter(c -> c.get("method").getAsString().equals(method))
                        .map(c -> c.get("name").getAsString())
                        .collect(Collectors.toList());
        if (names.isEmpty()) {
            throw new IllegalStateException("no fixture case for " + method);
        }
        Object[][] rows = new Object[names.size()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new Object[] {names.get(i)};
        }
        return rows;
    }

    static JsonObject find(String name) {
        return CASES.stream()
                .filter(c -> c.get("name").getAsString().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no fixture case " + name));
    }

    /** The fit inputs: logits (or binary scores) in float64 and int64 labels. */
    static NDList fitInputs(NDManager manager, JsonObject c) {
        if (c.has("resource")) {
            long[] rows = Fixtures.longs(c.getAsJsonArray("rows"));
            return real(manager, c, rows[0], rows[1]);
        }
        Shape shape = new Shape(Fixtures.longs(c.getAsJsonArray("shape")));
        NDArray logits = manager.create(Fixtures.doubles(c.getAsJsonArray("logits")), shape);
        NDArray labels = manager.create(Fixtures.longs(c.getAsJsonArray("labels")));
        return new NDList(logits, labels);
    }

    /** The held-out logits (or binary scores) in float64. */
    static NDArray heldout(NDManager manager, JsonObject c) {
        if (c.has("resource")) {
            long[] rows = Fixtures.longs(c.getAsJsonArray("heldout_rows"));
            return real(manager, c, rows[0], rows[1]).get(0);
        }
        Shape shape = new Shape(Fixtures.longs(c.getAsJsonArray("heldout_shape")));
        return manager.create(Fixtures.doubles(c.getAsJsonArray("heldout_logits")), shape);
    }

    private static NDList real(NDManager manager, JsonObject c, long from, long to) {
        NDList data = CalibrationFixtures.npz(manager, c.get("resource").getAsString());
        NDIndex rows = new NDIndex("{}:{}", from, to);
        NDArray p = data.get("predictions").get(rows).toType(DataType.FLOAT64, false);
        NDArray y = data.get("ground_truth").get(rows);
        if (c.has("classes")) {
            // The rows labelled below C and the first C columns of a larger output.
            long classes = c.get("classes").getAsLong();
            NDArray keep = y.lt(classes);
            p = p.get(keep).get(new NDIndex(":, 0:{}", classes));
            y = y.get(keep);
        }
        if (c.has("binary_class")) {
            int k = c.get("binary_class").getAsInt();
            NDArray pk = p.get(new NDIndex(":, {}", k));
            NDArray scores = pk.log().sub(pk.neg().add(1).log());
            return new NDList(scores, y.eq(k).toType(DataType.INT64, false));
        }
        return new NDList(p.log(), y);
    }

    static double[] doubles(JsonObject c, String field) {
        return Fixtures.doubles(c.getAsJsonArray(field));
    }
}
