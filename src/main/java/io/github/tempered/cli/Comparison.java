package io.github.tempered.cli;

import ai.djl.ndarray.NDList;
import ai.djl.util.Progress;
import io.github.tempered.calibration.CalibrationReport;
import io.github.tempered.data.ModelOutputs;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code tempered calibrate --compare}: fits every method that applies on the fit rows (read into
 * memory), matrix scaling and Dirichlet calibration also unregularised, scores them all in one
 * streamed pass over the held-out rows, and prints one table.
 */
final class Comparison {

    private Comparison() {}

    /**
     * Runs the comparison, printing each fit as it ends and then the table.
     *
     * @param outputs the file
     * @param nFit the first rows, which fit; the rest are scored
     * @param bins the equal-width bins
     * @param progress per-pass progress, or null
     * @param out where the lines go
     * @return the JSON report's {@code compare} object: the held-out metrics of the uncalibrated
     *     outputs and of each method (with its {@code label} and {@code fit} summary), by key
     */
    static Map<String, Object> run(
            ModelOutputs outputs, long nFit, int bins, Progress progress, PrintWriter out) {
        long n = outputs.getRowCount();
        boolean binary = outputs.isBinary();
        out.printf(
                Locale.ROOT,
                "Fitting every method on the first %d rows (read into memory):%n",
                nFit);
        out.flush();
        List<CalibrationMethod.Fitted> fits = new ArrayList<>();
        try (NDList rows = OutputPasses.readAll(outputs.range(0, nFit), progress)) {
            for (CalibrationMethod m : CalibrationMethod.applicable(binary)) {
                fits.add(fitAndShow(() -> m.fit(rows.get(0), rows.get(1)), out));
                if (m == CalibrationMethod.MATRIX || m == CalibrationMethod.DIRICHLET) {
                    fits.add(fitAndShow(() -> m.fitUnregularised(rows.get(0), rows.get(1)), out));
                }
            }
        }
        List<OutputPasses.Scorer> scorers = new ArrayList<>();
        scorers.add(OutputPasses.uncalibrated(bins, binary));
        for (CalibrationMethod.Fitted fit : fits) {
            scorers.add(OutputPasses.calibrated(bins, binary, fit.calibration()));
        }
        List<CalibrationReport> reports =
                OutputPasses.score(outputs.range(nFit, n), scorers, progress);
        Map<String, CalibrationReport> rows = new LinkedHashMap<>();
        Map<String, Object> table = new LinkedHashMap<>();
        rows.put("uncalibrated", reports.get(0));
        table.put("uncalibrated", Reports.metrics(reports.get(0)));
        for (int i = 0; i < fits.size(); i++) {
            CalibrationMethod.Fitted fit = fits.get(i);
            CalibrationReport report = reports.get(i + 1);
            rows.put(fit.label(), report);
            Map<String, Object> entry = Reports.metrics(report);
            entry.put("label", fit.label());
            entry.put("fit", fit.parameters());
            table.put(fit.key(), entry);
        }
        out.printf(
                Locale.ROOT, "Scored on the last %d rows (held out), %d bins:%n", n - nFit, bins);
        out.print(Reports.comparison(rows));
        return table;
    }

    private static CalibrationMethod.Fitted fitAndShow(
            Supplier<CalibrationMethod.Fitted> fitting, PrintWriter out) {
        long start = System.nanoTime();
        CalibrationMethod.Fitted fit = fitting.get();
        out.printf(
                Locale.ROOT,
                "  %-34s %s, %.2f s%n",
                fit.label(),
                fit.calibration(),
                (System.nanoTime() - start) / 1e9);
        out.flush();
        return fit;
    }
}
