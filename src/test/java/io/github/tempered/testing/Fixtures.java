package io.github.tempered.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads the PyTorch-generated fixtures under {@code src/test/resources/fixtures/}. */
public final class Fixtures {

    private Fixtures() {}

    /**
     * Loads the {@code cases} array of a fixture file.
     *
     * @param file the file name inside {@code fixtures/}
     * @return the cases, in file order
     */
    public static List<JsonObject> cases(String file) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + file)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource fixtures/" + file);
            }
            JsonObject root =
                    JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8))
                            .getAsJsonObject();
            List<JsonObject> cases = new ArrayList<>();
            for (JsonElement e : root.getAsJsonArray("cases")) {
                cases.add(e.getAsJsonObject());
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads a numeric array whose non-finite entries are written as strings ("nan", "inf").
     *
     * @param array the JSON array
     * @return the values
     */
    public static double[] doubles(JsonArray array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            JsonElement e = array.get(i);
            if (e.getAsJsonPrimitive().isString()) {
                out[i] =
                        Double.parseDouble(
                                e.getAsString().replace("nan", "NaN").replace("inf", "Infinity"));
            } else {
                out[i] = e.getAsDouble();
            }
        }
        return out;
    }

    /**
     * Reads an integer array, e.g. a shape.
     *
     * @param array the JSON array
     * @return the values
     */
    public static long[] longs(JsonArray array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).getAsLong();
        }
        return out;
    }
}
