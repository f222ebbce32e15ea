package io.github.tempered.cli;

import io.github.tempered.data.FashionMnistData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The Fashion-MNIST options shared by {@code demo} and {@code distill}. */
final class DataOptions {

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
            names = "--limit",
            paramLabel = "TRAIN,VAL,TEST",
            split = ",",
            description = "Use at most this many train, validation and test images (quick runs).")
    int[] limit;

    /**
     * Loads the data these options describe.
     *
     * @param commandLine the command, for usage errors
     * @return the data
     * @throws IOException if the files cannot be read
     */
    FashionMnistData load(CommandLine commandLine) throws IOException {
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
}
