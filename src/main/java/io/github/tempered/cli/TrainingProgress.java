package io.github.tempered.cli;

import ai.djl.training.Trainer;
import ai.djl.training.TrainingResult;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How {@code demo} and {@code distill} show training: one line per epoch on the command's output
 * (epoch, training loss and accuracy, validation loss and accuracy when there is a validation set,
 * seconds), and DJL's redrawn progress bars above them only when the output is a terminal, so that
 * a log file or a CI log gets the lines and no bar frames.
 */
final class TrainingProgress {

    private final PrintWriter out;
    private final boolean bars;
    private final int epochs;

    /**
     * Creates the progress of training runs of {@code epochs} epochs.
     *
     * @param out where the epoch lines go
     * @param bars whether to show DJL's progress bars (on standard output) too
     * @param epochs the epochs of each run
     */
    TrainingProgress(PrintWriter out, boolean bars, int epochs) {
        this.out = out;
        this.bars = bars;
        this.epochs = epochs;
    }

    /**
     * The training listeners of one run: DJL's defaults (with its progress bars and log on a
     * terminal) and the epoch lines.
     *
     * @return the listeners
     */
    TrainingListener[] listeners() {
        List<TrainingListener> listeners =
                new ArrayList<>(
                        Arrays.asList(
                                bars
                                        ? TrainingListener.Defaults.logging()
                                        : TrainingListener.Defaults.basic()));
        listeners.add(new EpochLines());
        return listeners.toArray(new TrainingListener[0]);
    }

    /**
     * Formats one epoch's line.
     *
     * @param epoch the epoch, from 1
     * @param epochs the number of epochs
     * @param result the trainer's results after the epoch
     * @param seconds the epoch's wall time
     * @return e.g. {@code "epoch 2/8: loss 0.4567, accuracy 83.10%; validation loss 0.4890,
     *     accuracy 82.35%; 3.2 s"}
     */
    static String line(int epoch, int epochs, TrainingResult result, double seconds) {
        StringBuilder sb =
                new StringBuilder(String.format(Locale.ROOT, "epoch %d/%d: ", epoch, epochs));
        sb.append(metrics(result.getTrainLoss(), result.getTrainEvaluation("Accuracy")));
        Float validationLoss = result.getValidateLoss();
        if (validationLoss != null && !validationLoss.isNaN()) {
            sb.append("; validation ")
                    .append(metrics(validationLoss, result.getValidateEvaluation("Accuracy")));
        }
        return sb.append(String.format(Locale.ROOT, "; %.1f s", seconds)).toString();
    }

    private static String metrics(Float loss, Float accuracy) {
        String text = String.format(Locale.ROOT, "loss %.4f", loss == null ? Float.NaN : loss);
        if (accuracy != null && !accuracy.isNaN()) {
            text += String.format(Locale.ROOT, ", accuracy %.2f%%", 100 * accuracy);
        }
        return text;
    }

    /** Prints a line after each epoch; the trainer's evaluator listener runs before it. */
    private final class EpochLines extends TrainingListenerAdapter {

        private long start;

        @Override
        public void onTrainingBegin(Trainer trainer) {
            start = System.nanoTime();
        }

        @Override
        public void onEpoch(Trainer trainer) {
            long now = System.nanoTime();
            TrainingResult result = trainer.getTrainingResult();
            out.println(line(result.getEpoch(), epochs, result, (now - start) / 1e9));
            out.flush();
            start = now;
        }
    }
}
