package io.github.tempered.notebook;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Splits a code cell into its Java code and its magic lines, as JJava reads them: a line whose
 * first non-blank character is {@code %} is a line magic ({@code %name arg ...}), a first line
 * starting with {@code %%} a cell magic.
 *
 * <p>Only the magics that load dependencies are allowed, because only they can be mapped to this
 * project's build: {@code %maven} (and its JJava aliases {@code %addMavenDependency} and {@code
 * %addMavenDependencies}), {@code %jars} and {@code %classpath}. Everything else ({@code
 * %mavenRepo}, {@code %load}, {@code %%loadFromPOM}, {@code %time}, ...) fails as an unknown magic,
 * so a notebook never depends on something CI does not check.
 */
final class Magics {

    /** Names of the line magics that add Maven artifacts. */
    static final Set<String> MAVEN = Set.of("maven", "addMavenDependency", "addMavenDependencies");

    /** Names of the line magics that add local jars or class path entries. */
    static final Set<String> LOCAL = Set.of("jars", "classpath");

    /** Every allowed magic, as listed in messages. */
    static final String ALLOWED =
            "%maven (%addMavenDependency, %addMavenDependencies), %jars, %classpath";

    private Magics() {}

    /**
     * A magic line.
     *
     * @param name the magic's name, without {@code %}
     * @param args its arguments, split like a shell command line (quotes group words)
     * @param line the 1-based line number inside the cell
     */
    record Line(String name, List<String> args, int line) {}

    /**
     * A code cell split into its magics and its code; the code keeps a blank line in place of each
     * magic line, so compiler line numbers still match the cell.
     */
    record Split(String code, List<Line> magics) {}

    /**
     * Splits {@code source}; an unknown or malformed magic throws a {@link NotebookException} for
     * {@code cell}.
     */
    static Split split(String notebook, int cell, String source) {
        List<Line> magics = new ArrayList<>();
        StringBuilder code = new StringBuilder();
        List<String> lines = Output.lines(source);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String trimmed = line.strip();
            if (!trimmed.startsWith("%")) {
                code.append(line);
                continue;
            }
            if (trimmed.startsWith("%%")) {
                throw new NotebookException(
                        notebook,
                        cell,
                        "unknown magic",
                        "line "
                                + (i + 1)
                                + ": unknown cell magic "
                                + firstWord(trimmed)
                                + allowed());
            }
            List<String> words = words(notebook, cell, i + 1, trimmed.substring(1));
            String name = words.isEmpty() ? "" : words.get(0);
            if (!MAVEN.contains(name) && !LOCAL.contains(name)) {
                throw new NotebookException(
                        notebook,
                        cell,
                        "unknown magic",
                        "line " + (i + 1) + ": unknown magic %" + name + allowed());
            }
            if (words.size() < 2) {
                throw new NotebookException(
                        notebook,
                        cell,
                        "bad magic",
                        "line " + (i + 1) + ": %" + name + " needs at least one argument");
            }
            magics.add(new Line(name, List.copyOf(words.subList(1, words.size())), i + 1));
            code.append(line.endsWith("\n") ? "\n" : "");
        }
        return new Split(code.toString(), List.copyOf(magics));
    }

    private static String allowed() {
        return " (allowed: " + ALLOWED + ")";
    }

    private static String firstWord(String text) {
        int end = 0;
        while (end < text.length() && !Character.isWhitespace(text.charAt(end))) {
            end++;
        }
        return text.substring(0, end);
    }

    /** Splits a magic's text into words: blanks separate, single or double quotes group. */
    static List<String> words(String notebook, int cell, int line, String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                word = word == null ? new StringBuilder() : word;
            } else if (Character.isWhitespace(c)) {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
            } else {
                word = word == null ? new StringBuilder() : word;
                word.append(c);
            }
        }
        if (quote != 0) {
            throw new NotebookException(
                    notebook, cell, "bad magic", "line " + line + ": unclosed quote " + quote);
        }
        if (word != null) {
            words.add(word.toString());
        }
        return words;
    }
}
