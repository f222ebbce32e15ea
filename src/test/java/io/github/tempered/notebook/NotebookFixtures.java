package io.github.tempered.notebook;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes small notebooks for the runner's tests. */
final class NotebookFixtures {

    /** Loads DJL's API and Tempered, as the project's notebooks do. */
    static final String DEPENDENCIES =
            "%maven ai.djl:api:0.36.0\n"
                    + "%maven ai.djl.pytorch:pytorch-engine:0.36.0\n"
                    + "%classpath "
                    + Dependencies.ofThisProject().projectJar()
                    + "\n";

    private final JsonArray cells = new JsonArray();
    private final JsonObject kernelspec = new JsonObject();

    NotebookFixtures() {
        kernelspec.addProperty("display_name", "Java");
        kernelspec.addProperty("language", "java");
        kernelspec.addProperty("name", "java");
    }

    NotebookFixtures markdown(String source) {
        JsonObject cell = new JsonObject();
        cell.addProperty("cell_type", "markdown");
        cell.add("metadata", new JsonObject());
        cell.add("source", Output.splitLines(source));
        cells.add(cell);
        return this;
    }

    /** A code cell with stored outputs (none by default). */
    NotebookFixtures code(String source, Output... outputs) {
        return code(source, new JsonObject(), outputs);
    }

    /** A code cell with metadata and stored outputs. */
    NotebookFixtures code(String source, JsonObject metadata, Output... outputs) {
        JsonObject cell = new JsonObject();
        cell.addProperty("cell_type", "code");
        cell.add("execution_count", null);
        cell.add("metadata", metadata);
        cell.add("source", Output.splitLines(source));
        JsonArray stored = new JsonArray();
        for (Output output : outputs) {
            stored.add(output.toJson(1));
        }
        cell.add("outputs", stored);
        cells.add(cell);
        return this;
    }

    NotebookFixtures kernel(String name, String language) {
        kernelspec.addProperty("name", name);
        kernelspec.addProperty("language", language);
        return this;
    }

    /** Writes the notebook as {@code name} in {@code folder} and reads it back. */
    Notebook write(Path folder, String name) {
        Path file = folder.resolve(name);
        try {
            Files.writeString(file, json(), StandardCharsets.UTF_8);
            return Notebook.read(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The notebook as if it were the file {@code path}, without writing it (relative paths in its
     * magics resolve against that file's folder).
     */
    Notebook at(Path path) {
        return Notebook.parse(path, json());
    }

    private String json() {
        JsonObject root = new JsonObject();
        root.add("cells", cells);
        JsonObject metadata = new JsonObject();
        metadata.add("kernelspec", kernelspec);
        root.add("metadata", metadata);
        root.addProperty("nbformat", 4);
        root.addProperty("nbformat_minor", 5);
        return Notebook.format(root);
    }

    /** {@code "metadata": {"tempered": {key: value}}}. */
    static JsonObject tempered(String key, Object value) {
        JsonObject options = new JsonObject();
        if (value instanceof Boolean) {
            options.addProperty(key, (Boolean) value);
        } else {
            options.addProperty(key, (Number) value);
        }
        JsonObject metadata = new JsonObject();
        metadata.add(Cell.METADATA_KEY, options);
        return metadata;
    }

    static Output stdout(String text) {
        return Output.stream("stdout", text);
    }

    static Output result(String text) {
        return new Output(Output.Kind.EXECUTE_RESULT, null, text, null);
    }
}
