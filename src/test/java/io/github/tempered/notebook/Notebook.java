package io.github.tempered.notebook;

import com.google.gson.FormattingStyle;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A Jupyter notebook (nbformat 4) read with Gson: its cells, with sources and outputs, and the JSON
 * tree it came from, so that rewriting the outputs keeps every other field as it was.
 *
 * <p>Files are written as Jupyter writes them ({@code json.dumps(nb, sort_keys=True, indent=1,
 * ensure_ascii=False)} and a final newline), so a notebook saved by Jupyter and one rewritten by
 * {@link NotebookRunner} differ only where the outputs do.
 */
final class Notebook {

    private final Path path;
    private final JsonObject root;
    private final List<Cell> cells;

    private Notebook(Path path, JsonObject root, List<Cell> cells) {
        this.path = path;
        this.root = root;
        this.cells = cells;
    }

    /** Reads and checks a notebook file. */
    static Notebook read(Path path) throws IOException {
        return parse(path, Files.readString(path, StandardCharsets.UTF_8));
    }

    /** Parses notebook text; {@code path} names it in messages and anchors relative paths. */
    static Notebook parse(Path path, String json) {
        JsonObject root;
        try {
            JsonElement element = JsonParser.parseString(json);
            if (!element.isJsonObject()) {
                throw new NotebookFormatException(path + ": not a JSON object");
            }
            root = element.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new NotebookFormatException(path + ": not valid JSON: " + e.getMessage(), e);
        }
        if (!root.has("nbformat") || root.get("nbformat").getAsInt() != 4) {
            throw new NotebookFormatException(
                    path + ": nbformat must be 4, got " + root.get("nbformat"));
        }
        if (!root.has("cells") || !root.get("cells").isJsonArray()) {
            throw new NotebookFormatException(path + ": no cells array");
        }
        List<Cell> cells = new ArrayList<>();
        JsonArray array = root.getAsJsonArray("cells");
        for (int i = 0; i < array.size(); i++) {
            cells.add(cell(path, i + 1, array.get(i).getAsJsonObject()));
        }
        return new Notebook(path, root, Collections.unmodifiableList(cells));
    }

    private static Cell cell(Path path, int number, JsonObject json) {
        String where = path + ", cell " + number;
        String typeName = json.has("cell_type") ? json.get("cell_type").getAsString() : null;
        Cell.Type type;
        if ("code".equals(typeName)) {
            type = Cell.Type.CODE;
        } else if ("markdown".equals(typeName)) {
            type = Cell.Type.MARKDOWN;
        } else if ("raw".equals(typeName)) {
            type = Cell.Type.RAW;
        } else {
            throw new NotebookFormatException(where + ": unknown cell_type " + typeName);
        }
        String source = Output.joinLines(json.get("source"));
        List<Output> outputs = new ArrayList<>();
        if (type == Cell.Type.CODE && json.has("outputs")) {
            for (JsonElement output : json.getAsJsonArray("outputs")) {
                Output read = Output.fromJson(output.getAsJsonObject());
                if (read == null) {
                    throw new NotebookFormatException(
                            where
                                    + ": stored output of type "
                                    + output.getAsJsonObject().get("output_type")
                                    + "; a committed notebook must run without errors");
                }
                outputs.add(read);
            }
        }
        JsonObject metadata = json.has("metadata") ? json.getAsJsonObject("metadata") : null;
        return new Cell(
                number,
                type,
                source,
                Collections.unmodifiableList(outputs),
                Cell.Options.of(metadata, where));
    }

    Path path() {
        return path;
    }

    List<Cell> cells() {
        return cells;
    }

    /** The {@code metadata.kernelspec} field {@code key}, or {@code null}. */
    String kernelspec(String key) {
        JsonObject metadata = root.has("metadata") ? root.getAsJsonObject("metadata") : null;
        if (metadata == null || !metadata.has("kernelspec")) {
            return null;
        }
        JsonElement value = metadata.getAsJsonObject("kernelspec").get(key);
        return value == null || value.isJsonNull() ? null : value.getAsString();
    }

    /**
     * This notebook with fresh outputs: each code cell gets the outputs found for its number (none
     * when absent) and an execution count numbering the code cells from 1, as a "Restart and Run
     * All" does. Returns the file text.
     */
    String withOutputs(Map<Integer, List<Output>> outputs) {
        JsonObject copy = root.deepCopy();
        JsonArray array = copy.getAsJsonArray("cells");
        int count = 0;
        for (Cell cell : cells) {
            if (cell.type() != Cell.Type.CODE) {
                continue;
            }
            count++;
            JsonObject json = array.get(cell.number() - 1).getAsJsonObject();
            JsonArray fresh = new JsonArray();
            for (Output output : outputs.getOrDefault(cell.number(), List.of())) {
                fresh.add(output.toJson(count));
            }
            json.add("outputs", fresh);
            json.addProperty("execution_count", count);
        }
        return format(copy);
    }

    /** This notebook as Jupyter would save it. */
    String format() {
        return format(root);
    }

    /** Formats a JSON tree as Jupyter saves notebooks: sorted keys, one-space indent. */
    static String format(JsonObject json) {
        return new GsonBuilder()
                        .setFormattingStyle(FormattingStyle.PRETTY.withIndent(" "))
                        .disableHtmlEscaping()
                        .serializeNulls()
                        .create()
                        .toJson(sorted(json))
                + "\n";
    }

    private static JsonElement sorted(JsonElement element) {
        if (element.isJsonObject()) {
            JsonObject object = element.getAsJsonObject();
            JsonObject copy = new JsonObject();
            for (String key : new TreeSet<>(object.keySet())) {
                copy.add(key, sorted(object.get(key)));
            }
            return copy;
        }
        if (element.isJsonArray()) {
            JsonArray copy = new JsonArray();
            for (JsonElement item : element.getAsJsonArray()) {
                copy.add(sorted(item));
            }
            return copy;
        }
        return element == null ? JsonNull.INSTANCE : element;
    }
}
