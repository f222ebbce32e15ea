package io.github.tempered.notebook;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One output of a code cell, as nbformat 4 stores it: a {@code stream} (stdout or stderr text), a
 * {@code display_data} or an {@code execute_result} (a bundle with {@code text/plain} and maybe
 * {@code image/png}).
 *
 * @param kind the nbformat {@code output_type}
 * @param name the stream name ({@code stdout} or {@code stderr}); {@code null} for other kinds
 * @param text the stream text, or the bundle's {@code text/plain} ({@code null} when absent)
 * @param png the bundle's base64 {@code image/png} ({@code null} when absent)
 */
record Output(Kind kind, String name, String text, String png) {

    /** The nbformat output types the runner reads and writes. */
    enum Kind {
        STREAM("stream"),
        DISPLAY_DATA("display_data"),
        EXECUTE_RESULT("execute_result");

        private final String json;

        Kind(String json) {
            this.json = json;
        }

        String json() {
            return json;
        }

        static Kind of(String json) {
            for (Kind kind : values()) {
                if (kind.json.equals(json)) {
                    return kind;
                }
            }
            return null;
        }
    }

    Output {
        Objects.requireNonNull(kind, "kind");
    }

    static Output stream(String name, String text) {
        return new Output(Kind.STREAM, name, text, null);
    }

    /** Whether this output is a stream of the given name. */
    boolean isStream(String streamName) {
        return kind == Kind.STREAM && streamName.equals(name);
    }

    /**
     * Reads an nbformat output object; output types the runner does not produce ({@code error})
     * give {@code null}.
     */
    static Output fromJson(JsonObject json) {
        Kind kind = Kind.of(json.get("output_type").getAsString());
        if (kind == null) {
            return null;
        }
        if (kind == Kind.STREAM) {
            return stream(json.get("name").getAsString(), joinLines(json.get("text")));
        }
        JsonObject data = json.has("data") ? json.getAsJsonObject("data") : new JsonObject();
        String text = data.has("text/plain") ? joinLines(data.get("text/plain")) : null;
        String png = data.has("image/png") ? joinLines(data.get("image/png")).strip() : null;
        return new Output(kind, null, text, png);
    }

    /**
     * Writes this output as nbformat does; {@code executionCount} is used by {@code
     * execute_result}.
     */
    JsonObject toJson(int executionCount) {
        JsonObject json = new JsonObject();
        json.addProperty("output_type", kind.json());
        if (kind == Kind.STREAM) {
            json.addProperty("name", name);
            json.add("text", splitLines(text));
            return json;
        }
        JsonObject data = new JsonObject();
        if (png != null) {
            data.addProperty("image/png", png);
        }
        if (text != null) {
            data.add("text/plain", splitLines(text));
        }
        json.add("data", data);
        json.add("metadata", new JsonObject());
        if (kind == Kind.EXECUTE_RESULT) {
            json.addProperty("execution_count", executionCount);
        }
        return json;
    }

    /** nbformat's multiline strings: a string, or a list of lines each keeping its newline. */
    static String joinLines(JsonElement element) {
        if (element == null || element.isJsonNull()) {
            return "";
        }
        if (element.isJsonPrimitive()) {
            return element.getAsString();
        }
        StringBuilder sb = new StringBuilder();
        for (JsonElement line : element.getAsJsonArray()) {
            sb.append(line.getAsString());
        }
        return sb.toString();
    }

    /** Splits text into lines that keep their {@code \n}, as Jupyter writes multiline strings. */
    static JsonArray splitLines(String text) {
        JsonArray lines = new JsonArray();
        for (String line : lines(text)) {
            lines.add(line);
        }
        return lines;
    }

    static List<String> lines(String text) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                lines.add(text.substring(start));
                break;
            }
            lines.add(text.substring(start, end + 1));
            start = end + 1;
        }
        return lines;
    }
}
