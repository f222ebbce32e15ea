package io.github.tempered.cli;

import io.github.tempered.data.FashionMnistData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options and the set-up shared by {@code demo} and {@code distill}: which Fashion-MNIST data,
 * the seed, the number of epochs (each command gives its default), and how training shows its
 * progress.
 */
final class TrainingOptions {

    @Spec(Spec.Target.MIXEE)
    private CommandSpec command;

    @Option(
            names = "--data",
            paramLabel = "DIR",
            description =
                    "Directory with the four Fashion-MNIST idx .gz files (default: the Debian"
                            + " package's directory if present, else the embedded subset).")
    Path data;

    @Option(
            names = "--embedded",
            description = "Use the subset embedded in the jar even when the full set is installed.")
    boolean embedded;

    @Option(
            names = "--seed",
            paramLabel = "S",
            defaultValue = "42",
            description = "Seed for initialisation and shuffling (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--epochs",
            paramLabel = "N",
            description = "Training epochs of each model (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(
            names = "--limit",
            paramLabel = "TRAIN,VAL,TEST",
            split = ",",
            description = "Use at most this many train, validation and test images (quick runs).")
    int[] limit;

    /**
     * Creates the options of a command.
     *
     * @param defaultEpochs the command's default for {@code --epochs}
     */
    TrainingOptions(int defaultEpochs) {
        this.epochs = defaultEpochs;
    }

    /**
     * Checks {@code --epochs}.
     *
     * @throws CommandLine.ParameterException (a usage error) if it is below 1
     */
    void checkEpochs() {
        if (epochs < 1) {
            throw new CommandLine.ParameterException(
                    command.commandLine(), "--epochs must be >= 1, got " + epochs);
        }
    }

    /**
     * Loads the data these options describe.
     *
     * @return the data
     * @throws IOException if the files cannot be read
     */
    FashionMnistData load() throws IOException {
        CommandLine commandLine = command.commandLine();
        if (limit != null && (limit.length != 3 || Arrays.stream(limit).anyMatch(n -> n < 1))) {
            throw new CommandLine.ParameterException(
                    commandLine,
                    "--limit takes three numbers >= 1: TRAIN,VAL,TEST, got "
                            + Arrays.toString(limit));
        }
        FashionMnistData.Builder builder = FashionMnistData.builder().optSeed(seed);
        if (data != null && embedded) {
            throw new CommandLine.ParameterException(
                    commandLine, "--data and --embedded exclude each other");
        }
        if (data != null) {
            builder.optDirectory(data).optSource(FashionMnistData.Source.FULL);
        } else if (embedded) {
            builder.optSource(FashionMnistData.Source.EMBEDDED);
        }
        if (limit != null) {
            builder.optLimit(limit[0], limit[1], limit[2]);
        }
        return builder.build();
    }

    /**
     * How training shows its progress: on the command's output, with DJL's bars when that output is
     * a terminal.
     *
     * @return the progress of training runs of {@code --epochs} epochs
     */
    TrainingProgress progress() {
        return new TrainingProgress(
                command.commandLine().getOut(), Tempered.onTerminal(command), epochs);
    }
}
