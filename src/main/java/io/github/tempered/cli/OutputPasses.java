package io.github.tempered.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.util.Progress;
import io.github.tempered.calibration.Calibration;
import io.github.tempered.calibration.CalibrationReport;
import io.github.tempered.calibration.TemperatureFit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The passes of {@code tempered calibrate} over a file's chunks besides the temperature fit's: one
 * that reads the fit rows into memory for the methods that fit on all rows at once, and the scoring
 * step, one streamed pass over the scored rows that adds each chunk to one report per calibration
 * (and to the uncalibrated report), so that every report is that of all scored rows while only one
 * chunk is in memory.
 */
final class OutputPasses {

    private OutputPasses() {}

    /**
     * Reads rows into memory in one pass.
     *
     * @param rows the chunks of the rows
     * @param progress per-pass progress, or null
     * @return {@code (outputs, labels)} of all rows, to be closed
     */
    static NDList readAll(Iterable<NDList> rows, Progress progress) {
        if (progress != null) {
            progress.reset("Reading the fit rows", 0, "");
        }
        NDList values = new NDList();
        NDList labels = new NDList();
        try {
            for (NDList chunk : rows) {
                values.add(chunk.get(0));
                labels.add(chunk.get(1));
                if (progress != null) {
                    progress.increment(1);
                }
            }
            if (progress != null) {
                progress.end();
            }
            if (values.size() == 1) {
                return new NDList(values.get(0), labels.get(0));
            }
            NDArray joined = NDArrays.concat(values);
            try {
                return new NDList(joined, NDArrays.concat(labels));
            } catch (RuntimeException | Error e) {
                joined.close();
                throw e;
            }
        } finally {
            if (values.size() > 1) {
                values.close();
                labels.close();
            }
        }
    }

    /**
     * A report built chunk by chunk from the outputs of the scored rows.
     *
     * @param accumulator the report's rows so far
     * @param add adds a chunk's outputs (logits {@code (n, C)} or binary scores {@code (n)}) and
     *     labels to the accumulator
     */
    record Scorer(CalibrationReport.Accumulator accumulator, BiConsumer<NDArray, NDArray> add) {}

    /**
     * The report of the outputs themselves: the softmax of the logits, or the sigmoid of the binary
     * scores.
     *
     * @param bins the equal-width bins
     * @param binary whether the outputs are binary scores
     * @return the scorer
     */
    static Scorer uncalibrated(int bins, boolean binary) {
        CalibrationReport.Accumulator accumulator = CalibrationReport.accumulator(bins);
        return new Scorer(
                accumulator, binary ? accumulator::addBinaryLogits : accumulator::addLogits);
    }

    /**
     * The report of calibrated outputs: {@code logits / T} for a temperature (the report of the
     * scaled logits, as the temperature command always scored), else the fit's probabilities.
     *
     * @param bins the equal-width bins
     * @param binary whether the outputs are binary scores
     * @param fit the calibration
     * @return the scorer
     */
    static Scorer calibrated(int bins, boolean binary, Calibration fit) {
        CalibrationReport.Accumulator accumulator = CalibrationReport.accumulator(bins);
        if (fit instanceof TemperatureFit t) {
            double temperature = t.temperature();
            return new Scorer(
                    accumulator,
                    (outputs, labels) -> accumulator.addLogits(outputs.div(temperature), labels));
        }
        return new Scorer(
                accumulator,
                binary
                        ? (outputs, labels) ->
                                accumulator.addBinaryProbabilities(fit.apply(outputs), labels)
                        : (outputs, labels) ->
                                accumulator.addProbabilities(fit.apply(outputs), labels));
    }

    /**
     * Passes once over the rows, adding every chunk to every scorer; the arrays made on the way are
     * closed with their chunk.
     *
     * @param rows the chunks of the scored rows
     * @param scorers the reports to build
     * @param progress per-pass progress, or null
     * @return the reports, in the order of {@code scorers}
     */
    static List<CalibrationReport> score(
            Iterable<NDList> rows, List<Scorer> scorers, Progress progress) {
        if (progress != null) {
            progress.reset("Scoring", 0, "");
        }
        Iterator<NDList> chunks = rows.iterator();
        while (chunks.hasNext()) {
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                NDList chunk = chunks.next();
                for (Scorer scorer : scorers) {
                    scorer.add().accept(chunk.get(0), chunk.get(1));
                }
            }
            if (progress != null) {
                progress.increment(1);
            }
        }
        if (progress != null) {
            progress.end();
        }
        List<CalibrationReport> reports = new ArrayList<>();
        for (Scorer scorer : scorers) {
            reports.add(scorer.accumulator().report());
        }
        return reports;
    }
}
