package io.github.tempered.benchmarks;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Turns JMH's JSON results ({@code -rf json -rff FILE}) into the Markdown ratio tables of
 * benchmarks/RESULTS.md: per class and parameter set, each method's median over the measurement
 * iterations (with their minimum and maximum, and JMH's mean) and the ratio of medians to the
 * class's baseline measured in the same run ({@code djlBuiltIn} for {@link CrossEntropyBenchmark},
 * {@code naive} for {@link LinearCrossEntropyBenchmark}, {@code fused} for {@link
 * FusedCrossEntropyBenchmark}), and for {@link CrossEntropyBenchmark} the ratio of all options to
 * the plain loss. Medians, because on a shared machine a few iterations can be several times slower
 * than the rest, which moves a mean but not a median.
 *
 * <p>Run {@code java -cp benchmarks/target/benchmarks.jar io.github.tempered.benchmarks.RatioTable
 * FILE}.
 */
public final class RatioTable {

    private RatioTable() {}

    /**
     * Prints the tables.
     *
     * @param args the JMH JSON result file
     * @throws IOException if it cannot be read
     */
    public static void main(String[] args) throws IOException {
        JsonArray results;
        try (Reader in = Files.newBufferedReader(Paths.get(args[0]), StandardCharsets.UTF_8)) {
            results = JsonParser.parseReader(in).getAsJsonArray();
        }
        // class -> params -> method -> {score, error}
        Map<String, Map<String, Map<String, double[]>>> table = new LinkedHashMap<>();
        Map<String, String> units = new LinkedHashMap<>();
        for (JsonElement e : results) {
            JsonObject r = e.getAsJsonObject();
            String full = r.get("benchmark").getAsString();
            String cls = full.substring(0, full.lastIndexOf('.'));
            cls = cls.substring(cls.lastIndexOf('.') + 1);
            String method = full.substring(full.lastIndexOf('.') + 1);
            String params = r.has("params") ? r.get("params").toString() : "{}";
            JsonObject metric = r.getAsJsonObject("primaryMetric");
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (JsonElement fork : metric.getAsJsonArray("rawData")) {
                for (JsonElement x : fork.getAsJsonArray()) {
                    min = Math.min(min, x.getAsDouble());
                    max = Math.max(max, x.getAsDouble());
                }
            }
            double median = metric.getAsJsonObject("scorePercentiles").get("50.0").getAsDouble();
            table.computeIfAbsent(cls, k -> new LinkedHashMap<>())
                    .computeIfAbsent(params, k -> new LinkedHashMap<>())
                    .put(
                            method,
                            new double[] {median, min, max, metric.get("score").getAsDouble()});
            units.put(cls, metric.get("scoreUnit").getAsString());
        }
        for (Map.Entry<String, Map<String, Map<String, double[]>>> c : table.entrySet()) {
            String cls = c.getKey();
            String baseline = baselineOf(cls);
            System.out.println(
                    "### "
                            + cls
                            + " ("
                            + units.get(cls)
                            + ", ratio to "
                            + baseline
                            + " in the same run)");
            System.out.println();
            System.out.println("| params | method | median (min to max) | mean | ratio |");
            System.out.println("|---|---|---:|---:|---:|");
            for (Map.Entry<String, Map<String, double[]>> p : c.getValue().entrySet()) {
                double[] base = p.getValue().get(baseline);
                for (Map.Entry<String, double[]> m : p.getValue().entrySet()) {
                    System.out.printf(
                            Locale.ROOT,
                            "| %s | %s | %.4g (%.3g to %.3g) | %.4g | %s |%n",
                            p.getKey().replaceAll("[{}\"]", ""),
                            m.getKey(),
                            m.getValue()[0],
                            m.getValue()[1],
                            m.getValue()[2],
                            m.getValue()[3],
                            base == null
                                    ? "-"
                                    : String.format(
                                            Locale.ROOT, "%.2f", m.getValue()[0] / base[0]));
                }
                double[] plain = p.getValue().get("temperedPlain");
                double[] all = p.getValue().get("temperedAllOptions");
                if (plain != null && all != null) {
                    System.out.printf(
                            Locale.ROOT,
                            "| %s | all options / plain | | | %.2f |%n",
                            p.getKey().replaceAll("[{}\"]", ""),
                            all[0] / plain[0]);
                }
            }
            System.out.println();
        }
    }

    private static String baselineOf(String benchmarkClass) {
        switch (benchmarkClass) {
            case "LinearCrossEntropyBenchmark":
                return "naive";
            case "FusedCrossEntropyBenchmark":
                return "fused";
            default:
                return "djlBuiltIn";
        }
    }
}
