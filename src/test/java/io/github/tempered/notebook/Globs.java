package io.github.tempered.notebook;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The paths of JJava's {@code %classpath} (and {@code %jars}) arguments: a path relative to the
 * kernel's working directory (the notebook's folder) or absolute, split at {@code /}, where in each
 * part {@code *} stands for any characters and {@code ?} for one (there is no escape, no {@code
 * **}, no {@code [...]} or {@code {...}}). A path without wildcards is taken when it exists; one
 * that matches nothing adds nothing, silently.
 */
final class Globs {

    private Globs() {}

    /** A glob split into the folder before its first wildcard and one pattern per part after it. */
    private record Parsed(Path base, List<Pattern> parts) {}

    /**
     * The existing paths a glob matches, sorted within each folder.
     *
     * @param glob the argument
     * @param workingDir the folder relative paths start from
     * @return the matches, absolute and normalised
     */
    static List<Path> expand(String glob, Path workingDir) {
        Parsed parsed = parse(glob, workingDir);
        List<Path> found = new ArrayList<>();
        if (parsed.parts().isEmpty()) {
            if (Files.exists(parsed.base())) {
                found.add(parsed.base());
            }
            return found;
        }
        collect(parsed.base(), parsed.parts(), found);
        return found;
    }

    /**
     * Whether a path, existing or not, is one the glob stands for.
     *
     * @param glob the argument
     * @param workingDir the folder relative paths start from
     * @param path an absolute, normalised path
     * @return whether {@link #expand} would return it if it existed
     */
    static boolean matches(String glob, Path workingDir, Path path) {
        Parsed parsed = parse(glob, workingDir);
        if (!path.startsWith(parsed.base())) {
            return false;
        }
        Path rest = parsed.base().relativize(path);
        int names = rest.toString().isEmpty() ? 0 : rest.getNameCount();
        if (names != parsed.parts().size()) {
            return false;
        }
        for (int i = 0; i < names; i++) {
            if (!parsed.parts().get(i).matcher(rest.getName(i).toString()).matches()) {
                return false;
            }
        }
        return true;
    }

    private static Parsed parse(String glob, Path workingDir) {
        String[] parts = glob.split("/+");
        Path base = glob.startsWith("/") ? workingDir.getRoot() : workingDir;
        List<Pattern> patterns = new ArrayList<>();
        for (String part : parts) {
            boolean wildcard = part.indexOf('*') >= 0 || part.indexOf('?') >= 0;
            if (patterns.isEmpty() && !wildcard) {
                base = base.resolve(part);
            } else {
                patterns.add(pattern(part));
            }
        }
        return new Parsed(base.toAbsolutePath().normalize(), patterns);
    }

    private static Pattern pattern(String part) {
        StringBuilder regex = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (char c : part.toCharArray()) {
            if (c == '*' || c == '?') {
                regex.append(Pattern.quote(literal.toString())).append(c == '*' ? ".*" : ".");
                literal.setLength(0);
            } else {
                literal.append(c);
            }
        }
        return Pattern.compile(regex.append(Pattern.quote(literal.toString())).toString());
    }

    /** Adds the entries of {@code dir} matching the first part, recursing into folders. */
    private static void collect(Path dir, List<Pattern> parts, List<Path> found) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        boolean last = parts.size() == 1;
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path entry : stream) {
                if (parts.get(0).matcher(entry.getFileName().toString()).matches()
                        && (last || Files.isDirectory(entry))) {
                    entries.add(entry);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        entries.sort(null);
        for (Path entry : entries) {
            if (last) {
                found.add(entry);
            } else {
                collect(entry, parts.subList(1, parts.size()), found);
            }
        }
    }
}
