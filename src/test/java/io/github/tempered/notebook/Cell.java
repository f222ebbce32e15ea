package io.github.tempered.notebook;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.List;

/**
 * One notebook cell.
 *
 * @param number the cell's 1-based position among all cells of the notebook (markdown included),
 *     the number every message uses
 * @param type markdown, code or raw
 * @param source the cell's text
 * @param outputs the stored outputs of a code cell (empty for other cells)
 * @param options how the runner compares this cell, from its {@code metadata.tempered}
 */
record Cell(int number, Type type, String source, List<Output> outputs, Options options) {

    /** The nbformat cell types. */
    enum Type {
        MARKDOWN,
        CODE,
        RAW
    }

    /** The metadata key under which a cell carries the runner's options. */
    static final String METADATA_KEY = "tempered";

    /**
     * Comparison options of a cell, read from {@code "metadata": {"tempered": {...}}}.
     *
     * @param compare whether the fresh outputs are compared with the stored ones ({@code "compare":
     *     false} for cells whose output is not deterministic, e.g. timings)
     * @param rtol the relative tolerance for numbers in text outputs
     * @param atol the absolute tolerance for numbers in text outputs
     */
    record Options(boolean compare, double rtol, double atol) {

        /** The defaults: compare, {@code rtol = 1e-4}, {@code atol = 1e-6}. */
        static final Options DEFAULT = new Options(true, 1e-4, 1e-6);

        static Options of(JsonObject metadata, String where) {
            if (metadata == null || !metadata.has(METADATA_KEY)) {
                return DEFAULT;
            }
            JsonElement element = metadata.get(METADATA_KEY);
            if (!element.isJsonObject()) {
                throw new NotebookFormatException(where + ": metadata.tempered must be an object");
            }
            JsonObject options = element.getAsJsonObject();
            for (String key : options.keySet()) {
                if (!List.of("compare", "rtol", "atol").contains(key)) {
                    throw new NotebookFormatException(
                            where
                                    + ": unknown key metadata.tempered."
                                    + key
                                    + " (known: compare, rtol, atol)");
                }
            }
            boolean compare = !options.has("compare") || options.get("compare").getAsBoolean();
            double rtol = options.has("rtol") ? options.get("rtol").getAsDouble() : DEFAULT.rtol;
            double atol = options.has("atol") ? options.get("atol").getAsDouble() : DEFAULT.atol;
            if (!(rtol >= 0) || !(atol >= 0)) {
                throw new NotebookFormatException(
                        where + ": rtol and atol must be >= 0, got " + rtol + " and " + atol);
            }
            return new Options(compare, rtol, atol);
        }
    }
}
