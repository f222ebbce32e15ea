package io.github.tempered.notebook;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compares a code cell's stored outputs with fresh ones.
 *
 * <ul>
 *   <li>A cell with {@code "metadata": {"tempered": {"compare": false}}} is not compared.
 *   <li>{@code stderr} streams are not compared (they hold log lines that depend on what ran before
 *       in the JVM, e.g. DJL's engine start-up); consecutive {@code stdout} streams are joined.
 *   <li>The remaining outputs must match in number and kind, in order.
 *   <li>Texts ({@code stdout} and {@code text/plain}) are compared token by token: the text between
 *       numbers must be equal once runs of blanks are collapsed to one (so a sign that shifts a
 *       padded column is no difference), integers must be equal, and decimal numbers may differ by
 *       {@code atol + rtol * max(|a|, |b|)} (the cell's tolerances, by default {@code 1e-6} and
 *       {@code 1e-4}) or by one unit of their last printed digit, whichever is larger (a value
 *       printed with {@code %.4f} that rounds the other way on another CPU).
 *   <li>Images ({@code image/png}) must have the same width and height; their pixels and their
 *       {@code text/plain} are not compared (fonts differ between machines).
 * </ul>
 */
final class OutputComparator {

    private static final Pattern NUMBER =
            Pattern.compile(
                    "[-+]?(?:\\d+\\.\\d*|\\.\\d+|\\d+)(?:[eE][-+]?\\d+)?|[-+]?Infinity|NaN");

    private OutputComparator() {}

    /**
     * The differences between a cell's stored outputs and fresh ones.
     *
     * @param cell the cell, with its stored outputs and options
     * @param fresh the outputs of running it now
     * @return one message per difference (empty when they match)
     */
    static List<String> differences(Cell cell, List<Output> fresh) {
        List<String> differences = new ArrayList<>();
        if (!cell.options().compare()) {
            return differences;
        }
        List<Output> expected = comparable(cell.outputs());
        List<Output> actual = comparable(fresh);
        if (expected.size() != actual.size()) {
            differences.add(
                    "expected "
                            + expected.size()
                            + " outputs "
                            + kinds(expected)
                            + ", got "
                            + actual.size()
                            + " "
                            + kinds(actual)
                            + "\n"
                            + preview("expected", expected)
                            + preview("actual", actual));
            return differences;
        }
        for (int i = 0; i < expected.size(); i++) {
            String where = "output " + (i + 1) + " (" + label(expected.get(i)) + ")";
            Output e = expected.get(i);
            Output a = actual.get(i);
            if (!label(e).equals(label(a))) {
                differences.add(where + ": got " + label(a));
                continue;
            }
            if (e.png() != null) {
                String size = imageSize(e.png());
                String actualSize = imageSize(a.png());
                if (!size.equals(actualSize)) {
                    differences.add(where + ": image is " + actualSize + ", expected " + size);
                }
                continue;
            }
            String difference =
                    textDifference(
                            nullToEmpty(e.text()),
                            nullToEmpty(a.text()),
                            cell.options().rtol(),
                            cell.options().atol());
            if (difference != null) {
                differences.add(where + ": " + difference);
            }
        }
        return differences;
    }

    /** Drops stderr and joins consecutive stdout streams. */
    private static List<Output> comparable(List<Output> outputs) {
        List<Output> result = new ArrayList<>();
        for (Output output : outputs) {
            if (output.isStream("stderr")) {
                continue;
            }
            int last = result.size() - 1;
            if (output.isStream("stdout") && last >= 0 && result.get(last).isStream("stdout")) {
                result.set(last, Output.stream("stdout", result.get(last).text() + output.text()));
            } else {
                result.add(output);
            }
        }
        return result;
    }

    private static String label(Output output) {
        if (output.kind() == Output.Kind.STREAM) {
            return "stream " + output.name();
        }
        return output.kind().json() + (output.png() != null ? " image/png" : " text/plain");
    }

    private static String kinds(List<Output> outputs) {
        List<String> labels = new ArrayList<>();
        for (Output output : outputs) {
            labels.add(label(output));
        }
        return labels.toString();
    }

    private static String preview(String name, List<Output> outputs) {
        StringBuilder sb = new StringBuilder();
        for (Output output : outputs) {
            String text = output.png() != null ? "<image>" : nullToEmpty(output.text());
            sb.append(name).append(": ").append(abbreviate(text)).append('\n');
        }
        return sb.toString();
    }

    /**
     * The first difference between two texts under the number rules, or {@code null} when they
     * match.
     */
    static String textDifference(String expected, String actual, double rtol, double atol) {
        List<String> e = tokens(expected);
        List<String> a = tokens(actual);
        int n = Math.min(e.size(), a.size());
        for (int i = 0; i < n; i++) {
            String et = e.get(i);
            String at = a.get(i);
            boolean eNumber = isNumber(et);
            if (eNumber != isNumber(at)) {
                return mismatch(expected, actual, e, i, 0, "«" + at + "» where «" + et + "» was");
            }
            if (eNumber) {
                String why = numberDifference(et, at, rtol, atol);
                if (why != null) {
                    return mismatch(expected, actual, e, i, 0, why);
                }
            } else if (!collapse(et).equals(collapse(at))) {
                int at0 = firstDifference(et, at);
                String why;
                if (i == e.size() - 1 && i == a.size() - 1 && at0 == et.length()) {
                    why = "output goes on past the end";
                } else if (i == e.size() - 1 && i == a.size() - 1 && at0 == at.length()) {
                    why = "output ends early";
                } else {
                    why = "text «" + abbreviate(at) + "» where «" + abbreviate(et) + "» was";
                }
                return mismatch(expected, actual, e, i, at0, why);
            }
        }
        if (e.size() != a.size()) {
            return mismatch(
                    expected,
                    actual,
                    e,
                    n,
                    0,
                    e.size() > a.size() ? "output ends early" : "output goes on past the end");
        }
        return null;
    }

    private static String numberDifference(
            String expected, String actual, double rtol, double atol) {
        if (isInteger(expected) && isInteger(actual)) {
            return new BigDecimal(expected).compareTo(new BigDecimal(actual)) == 0
                    ? null
                    : actual + " where the integer " + expected + " was";
        }
        double e = Double.parseDouble(expected);
        double a = Double.parseDouble(actual);
        if (Double.isNaN(e) || Double.isNaN(a) || Double.isInfinite(e) || Double.isInfinite(a)) {
            return Double.compare(e, a) == 0 ? null : actual + " where " + expected + " was";
        }
        double tolerance = atol + rtol * Math.max(Math.abs(e), Math.abs(a));
        double unit = Math.max(lastDigitUnit(expected), lastDigitUnit(actual)) * (1 + 1e-9);
        double allowed = Math.max(tolerance, unit);
        double diff = Math.abs(e - a);
        if (diff <= allowed) {
            return null;
        }
        return String.format(
                "%s where %s was (|difference| %.3g > allowed %.3g: atol %.1g + rtol %.1g, or one"
                        + " unit of the last digit)",
                actual, expected, diff, allowed, atol, rtol);
    }

    /** The value of one unit in the last printed digit: 1e-4 for "0.1234", 1e-7 for "1.5e-6". */
    private static double lastDigitUnit(String number) {
        String mantissa = number;
        int exponent = 0;
        int e = Math.max(number.indexOf('e'), number.indexOf('E'));
        if (e >= 0) {
            mantissa = number.substring(0, e);
            exponent = Integer.parseInt(number.substring(e + 1).replace("+", ""));
        }
        int dot = mantissa.indexOf('.');
        int decimals = dot < 0 ? 0 : mantissa.length() - dot - 1;
        return Math.pow(10, exponent - decimals);
    }

    private static boolean isInteger(String token) {
        return token.chars().allMatch(c -> Character.isDigit(c) || c == '-' || c == '+');
    }

    private static boolean isNumber(String token) {
        return NUMBER.matcher(token).matches();
    }

    /** Splits text into alternating non-number and number tokens. */
    static List<String> tokens(String text) {
        List<String> tokens = new ArrayList<>();
        Matcher m = NUMBER.matcher(text);
        int at = 0;
        while (m.find()) {
            if (m.start() > at) {
                tokens.add(text.substring(at, m.start()));
            }
            tokens.add(m.group());
            at = m.end();
        }
        if (at < text.length()) {
            tokens.add(text.substring(at));
        }
        return tokens;
    }

    private static String collapse(String text) {
        return text.replaceAll("[ \\t]+", " ").replaceAll(" \n", "\n");
    }

    /** The first index at which the texts differ (the shorter length if one is a prefix). */
    private static int firstDifference(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            if (a.charAt(i) != b.charAt(i)) {
                return i;
            }
        }
        return n;
    }

    private static String mismatch(
            String expected,
            String actual,
            List<String> tokens,
            int index,
            int withinToken,
            String why) {
        int offset = withinToken;
        for (int i = 0; i < index; i++) {
            offset += tokens.get(i).length();
        }
        int line = 1;
        for (int i = 0; i < offset && i < expected.length(); i++) {
            if (expected.charAt(i) == '\n') {
                line++;
            }
        }
        return "line "
                + line
                + ": "
                + why
                + "\n    expected: "
                + lineAt(expected, line)
                + "\n    actual:   "
                + lineAt(actual, line);
    }

    private static String lineAt(String text, int line) {
        List<String> lines = Output.lines(text);
        return line - 1 < lines.size() ? lines.get(line - 1).stripTrailing() : "<no such line>";
    }

    private static String abbreviate(String text) {
        String oneLine = text.replace("\n", "\\n");
        return oneLine.length() <= 120 ? oneLine : oneLine.substring(0, 117) + "...";
    }

    private static String nullToEmpty(String text) {
        return text == null ? "" : text;
    }

    /** "WxH" from a base64 PNG's IHDR chunk, or a description of why it is not a PNG. */
    static String imageSize(String base64) {
        if (base64 == null) {
            return "absent";
        }
        byte[] png;
        try {
            png = Base64.getMimeDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            return "not base64";
        }
        if (png.length < 24 || png[1] != 'P' || png[2] != 'N' || png[3] != 'G') {
            return "not a PNG";
        }
        return readInt(png, 16) + "x" + readInt(png, 20);
    }

    private static int readInt(byte[] bytes, int at) {
        return ((bytes[at] & 0xff) << 24)
                | ((bytes[at + 1] & 0xff) << 16)
                | ((bytes[at + 2] & 0xff) << 8)
                | (bytes[at + 3] & 0xff);
    }
}
