package io.github.tempered.cli;

import com.google.gson.GsonBuilder;
import io.github.tempered.calibration.CalibrationReport;
import io.github.tempered.calibration.ReliabilityDiagram;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Before/after tables, JSON files and diagrams shared by the subcommands. */
final class Reports {

    private Reports() {}

    /**
     * The metrics of one report, as the JSON contract names them.
     *
     * @param report the report
     * @return ece, mce, nll, brier, accuracy (and n)
     */
    static Map<String, Object> metrics(CalibrationReport report) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", report.count());
        m.put("ece", report.ece());
        m.put("mce", report.mce());
        m.put("nll", report.nll());
        m.put("brier", report.brier());
        m.put("accuracy", report.accuracy());
        m.put("adaptive_ece", report.adaptiveEce());
        m.put("classwise_ece", report.classwiseEce());
        return m;
    }

    /**
     * A "before" / "after" pair of metrics.
     *
     * @param before the uncalibrated report
     * @param after the calibrated report
     * @return {@code {"n": .., "before": {...}, "after": {...}}}
     */
    static Map<String, Object> beforeAfter(CalibrationReport before, CalibrationReport after) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", before.count());
        m.put("before", metrics(before));
        m.put("after", metrics(after));
        return m;
    }

    /**
     * Formats a before/after table.
     *
     * @param before the uncalibrated report
     * @param after the calibrated report
     * @return the table, one metric per line
     */
    static String table(CalibrationReport before, CalibrationReport after) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "  %-10s %10s %10s%n", "", "before", "after"));
        row(sb, "NLL", before.nll(), after.nll(), false);
        row(sb, "ECE", before.ece(), after.ece(), true);
        row(sb, "MCE", before.mce(), after.mce(), true);
        row(sb, "Brier", before.brier(), after.brier(), false);
        row(sb, "Accuracy", before.accuracy(), after.accuracy(), true);
        return sb.toString();
    }

    /**
     * Formats the comparison table of {@code --compare}: one line per method.
     *
     * @param reports the held-out report of each method, by the name shown
     * @return the table, a header line and one line per method
     */
    static String comparison(Map<String, CalibrationReport> reports) {
        int width = "method".length();
        for (String name : reports.keySet()) {
            width = Math.max(width, name.length());
        }
        StringBuilder sb = new StringBuilder();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "  %-" + width + "s %9s %8s %8s %8s %9s%n",
                        "method",
                        "NLL",
                        "ECE",
                        "MCE",
                        "Brier",
                        "Accuracy"));
        for (Map.Entry<String, CalibrationReport> e : reports.entrySet()) {
            CalibrationReport r = e.getValue();
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "  %-" + width + "s %9.4f %7.2f%% %7.2f%% %8.4f %8.2f%%%n",
                            e.getKey(),
                            r.nll(),
                            100 * r.ece(),
                            100 * r.mce(),
                            r.brier(),
                            100 * r.accuracy()));
        }
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, double a, double b, boolean percent) {
        String format = percent ? "  %-10s %9.2f%% %9.2f%%%n" : "  %-10s %10.4f %10.4f%n";
        double scale = percent ? 100 : 1;
        sb.append(String.format(Locale.ROOT, format, name, a * scale, b * scale));
    }

    /**
     * Writes an object as pretty-printed JSON, creating parent directories.
     *
     * @param file the file
     * @param value maps, lists, numbers and strings
     * @throws IOException if the file cannot be written
     */
    static void writeJson(Path file, Object value) throws IOException {
        createParent(file);
        String json =
                new GsonBuilder()
                        .setPrettyPrinting()
                        .serializeSpecialFloatingPointValues()
                        .create()
                        .toJson(value);
        Files.writeString(file, json + System.lineSeparator(), StandardCharsets.UTF_8);
    }

    /**
     * Writes a before/after reliability diagram pair as PNG, or SVG when the name ends in .svg.
     *
     * @param file the file
     * @param before the uncalibrated report
     * @param after the calibrated report
     * @throws IOException if the file cannot be written
     */
    static void writePlot(Path file, CalibrationReport before, CalibrationReport after)
            throws IOException {
        createParent(file);
        ReliabilityDiagram pair = ReliabilityDiagram.pair(before, after);
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".svg")) {
            pair.saveSvg(file);
        } else {
            pair.savePng(file);
        }
    }

    private static void createParent(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
    }
}
