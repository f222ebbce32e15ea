package io.github.tempered.spark;

/** What the input column of a stage holds, as named by its {@code inputKind} param. */
enum InputKind {
    /** Unnormalized logits. */
    LOGITS("logits"),
    /** Class probabilities, each row summing to 1; their log serves as logits. */
    PROBABILITIES("probabilities");

    private final String param;

    InputKind(String param) {
        this.param = param;
    }

    /**
     * Returns the param value naming this kind.
     *
     * @return {@code "logits"} or {@code "probabilities"}
     */
    String param() {
        return param;
    }

    /**
     * Returns the kind a param value names.
     *
     * @param value {@code "logits"} or {@code "probabilities"}, already validated by the param
     * @return the kind
     */
    static InputKind of(String value) {
        return LOGITS.param.equals(value) ? LOGITS : PROBABILITIES;
    }
}
