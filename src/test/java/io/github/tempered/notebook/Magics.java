package io.github.tempered.notebook;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the magics in a code cell as JJava (1.0-a6 and later) does, and turns each line magic into
 * a call that runs it in order with the code around it.
 *
 * <h2>What JJava reads as a magic</h2>
 *
 * <ul>
 *   <li>A <b>cell magic</b> is a cell whose first line is {@code %%name args} followed by a body.
 *   <li>A <b>line magic</b> is {@code %name args} up to the end of its line, where {@code name}
 *       starts with a letter, digit or underscore and the {@code %} comes first on its line (after
 *       blanks) or right after a {@code =} (after blanks), as in {@code var x = %maven ...}. A
 *       {@code %} after an odd number of double quotes on its line is inside a string and stays
 *       code; so does {@code %} anywhere else ({@code a % b}, {@code "%.3f"}).
 *   <li>The <b>arguments</b> are split at spaces and tabs; double quotes group words ({@code ""} is
 *       an empty argument, an unclosed quote runs to the end); a backslash makes the next double
 *       quote or backslash literal, and is dropped otherwise. Single quotes are ordinary
 *       characters.
 * </ul>
 *
 * <p>JJava replaces each line magic by a Java statement that runs the magic, and then runs the cell
 * snippet by snippet: code before a magic runs before it, code after it sees what it loaded. {@link
 * #parse} does the same with a call of {@link #CALL}{@code (i)}, which the runner's kernel answers
 * by running magic {@code i} of the cell; each replacement stays on the magic's line, so compiler
 * line numbers match the cell.
 *
 * <h2>Which magics the runner runs</h2>
 *
 * <p>Only those that load dependencies, because only they can be mapped to this project's build:
 * {@code %maven} and {@code %classpath}, and their deprecated forms {@code %addMavenDependency} and
 * {@code %jars} (JJava 1.0-a6 and later print a warning for them). Any other magic fails as unknown
 * (JJava's {@code %time}, {@code %load}, {@code %mavenRepo}, {@code %%loadFromPOM}, ..., which the
 * runner cannot check, and names JJava does not know, such as {@code %addMavenDependencies}, which
 * JJava 1.0-a5 had and 1.0-a6 removed).
 */
final class Magics {

    /** Names of the line magics that add Maven artifacts. */
    static final Set<String> MAVEN = Set.of("maven", "addMavenDependency");

    /** Names of the line magics that add local jars or class path entries. */
    static final Set<String> LOCAL = Set.of("classpath", "jars");

    /** The deprecated names, for which JJava 1.0-a6 and later print a warning. */
    static final Set<String> DEPRECATED = Set.of("addMavenDependency", "jars");

    /** Every allowed magic, as listed in messages. */
    static final String ALLOWED = "%maven, %classpath (deprecated: %addMavenDependency, %jars)";

    /** The session function that runs magic number {@code i} of the running cell. */
    static final String CALL = "$magic";

    /**
     * A line magic: starts a line or follows {@code =}, possibly after blanks (kept in group 1, so
     * the replacement leaves line breaks where they were); the name starts with a word character.
     */
    private static final Pattern LINE_MAGIC =
            Pattern.compile("(?<=^|=)(\\s*)%(\\w.*)$", Pattern.MULTILINE);

    /** A cell magic: the whole cell, a first line {@code %%name ...} and a body. */
    private static final Pattern CELL_MAGIC = Pattern.compile("%%(\\w[^\\r\\n]*)\\R(?s:.+)");

    private Magics() {}

    /**
     * A line magic.
     *
     * @param name the magic's name, without {@code %}
     * @param args its arguments, split as JJava splits them
     * @param line the 1-based line number inside the cell
     */
    record Line(String name, List<String> args, int line) {}

    /**
     * A code cell with its line magics replaced by calls of {@link #CALL}{@code (i)}, where {@code
     * i} indexes {@code magics}.
     */
    record Parsed(String code, List<Line> magics) {}

    /**
     * Parses {@code source}; an unknown magic throws a {@link NotebookException} for {@code cell}.
     */
    static Parsed parse(String notebook, int cell, String source) {
        Matcher cellMagic = CELL_MAGIC.matcher(source);
        if (cellMagic.matches()) {
            throw new NotebookException(
                    notebook,
                    cell,
                    "unknown magic",
                    "line 1: unknown cell magic %%" + split(cellMagic.group(1)).get(0) + allowed());
        }
        List<Line> magics = new ArrayList<>();
        StringBuilder code = new StringBuilder();
        Matcher m = LINE_MAGIC.matcher(source);
        while (m.find()) {
            int percent = m.start(2) - 1;
            if (insideString(source, m.start())) {
                continue;
            }
            int line = lineOf(source, percent);
            List<String> words = split(m.group(2));
            String name = words.get(0);
            if (!MAVEN.contains(name) && !LOCAL.contains(name)) {
                throw new NotebookException(
                        notebook,
                        cell,
                        "unknown magic",
                        "line " + line + ": unknown magic %" + name + allowed());
            }
            m.appendReplacement(
                    code, Matcher.quoteReplacement(m.group(1) + CALL + "(" + magics.size() + ");"));
            magics.add(new Line(name, List.copyOf(words.subList(1, words.size())), line));
        }
        m.appendTail(code);
        return new Parsed(code.toString(), List.copyOf(magics));
    }

    /**
     * Splits a magic's text (name and arguments) into words as JJava does: spaces and tabs
     * separate, double quotes group, a backslash escapes a double quote or a backslash.
     */
    static List<String> split(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean quoted = false;
        boolean escaped = false;
        for (char c : text.trim().toCharArray()) {
            if (c == '\\' || c == '"') {
                if (escaped) {
                    word.append(c);
                    escaped = false;
                } else if (c == '\\') {
                    escaped = true;
                } else if (quoted) {
                    words.add(word.toString()); // a closing quote ends a word, even an empty one
                    word.setLength(0);
                    quoted = false;
                } else {
                    quoted = true;
                }
            } else if ((c == ' ' || c == '\t') && !quoted) {
                if (word.length() > 0) {
                    words.add(word.toString());
                    word.setLength(0);
                }
            } else {
                word.append(c); // a pending backslash stays pending, as in JJava
            }
        }
        if (word.length() > 0) {
            words.add(word.toString());
        }
        return words;
    }

    /** Whether an odd number of unescaped double quotes precede {@code at} on its line. */
    private static boolean insideString(String source, int at) {
        boolean inside = false;
        for (int i = source.lastIndexOf('\n', at - 1) + 1; i < at; i++) {
            if (source.charAt(i) == '"' && (i == 0 || source.charAt(i - 1) != '\\')) {
                inside = !inside;
            }
        }
        return inside;
    }

    /** The 1-based line of character {@code offset}. */
    private static int lineOf(String text, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    private static String allowed() {
        return " (allowed: " + ALLOWED + ")";
    }
}
