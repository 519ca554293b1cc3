package dev.intercessor.core.internal.oci;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;

/**
 * The container process state a runtime sends to a seccomp agent
 * ({@code specs.ContainerProcessState}):
 * {@code {"ociVersion", "fds": ["seccompFd"], "pid", "metadata", "state": {"id", "pid",
 * "bundle", "annotations", ...}}}.
 *
 * @param ociVersion  the runtime's version string (crun sends {@code 0.2.0})
 * @param containerId {@code state.id}
 * @param pid         the container process the fd belongs to; 0 if the runtime did not say (crun
 *                    sends {@code "pid": 0} for {@code crun exec})
 * @param initPid     the container's init ({@code state.pid}), or {@code pid} if not given
 * @param metadata    {@code linux.seccomp.listenerMetadata}, or empty
 * @param annotations {@code state.annotations}
 * @param bundle      {@code state.bundle}, or empty
 * @param seccompFdIndex position of {@code seccompFd} in {@code fds}
 */
public record OciState(String ociVersion, String containerId, int pid, int initPid, String metadata,
        Map<String, String> annotations, String bundle, int seccompFdIndex) {

    /** Deeper nesting than any state needs is refused before it costs anything. */
    static final int MAX_DEPTH = 32;

    /** @throws IllegalArgumentException with the reason if the message is not a usable state */
    public static OciState parse(String json) {
        JsonElement parsed = readJson(json);
        if (!parsed.isJsonObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        JsonObject root = parsed.getAsJsonObject();
        JsonElement stateValue = root.get("state");
        if (stateValue == null || !stateValue.isJsonObject()) {
            throw new IllegalArgumentException("no \"state\" object");
        }
        JsonObject state = stateValue.getAsJsonObject();
        String id = string(state, "id");
        if (id == null || !id.matches("[A-Za-z0-9][A-Za-z0-9_.+-]{0,255}")) {
            throw new IllegalArgumentException("missing or malformed state.id");
        }
        int index = seccompFdIndex(root.get("fds"));
        if (index < 0) {
            throw new IllegalArgumentException("\"fds\" names no seccompFd");
        }
        // a top-level "pid" wins even when it is null: only its absence falls back to state.pid
        Long pidValue = integer(root.has("pid") ? root.get("pid") : state.get("pid"));
        if (pidValue == null || pidValue < 0 || pidValue > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("missing or malformed pid");
        }
        int pid = (int) (long) pidValue;
        Long initValue = integer(state.get("pid"));
        int initPid = initValue != null && initValue > 0 && initValue <= Integer.MAX_VALUE
                ? (int) (long) initValue : pid;
        Map<String, String> annotations = new LinkedHashMap<>();
        JsonElement annotationsValue = state.get("annotations");
        if (annotationsValue != null && annotationsValue.isJsonObject()) {
            for (Map.Entry<String, JsonElement> a : annotationsValue.getAsJsonObject().entrySet()) {
                if (isString(a.getValue())) {
                    annotations.put(a.getKey(), a.getValue().getAsString());
                }
            }
        }
        String metadata = string(root, "metadata");
        String bundle = string(state, "bundle");
        return new OciState(orEmpty(string(root, "ociVersion")), id, pid, initPid, orEmpty(metadata),
                Map.copyOf(annotations), orEmpty(bundle), index);
    }

    /**
     * Whether a runtime's message received so far is whole: it holds one complete JSON value, or
     * it is malformed before its end (no more text can mend it; {@link #parse} says why). It is
     * not whole while the reader needs text past its end: the runtime has not sent it all yet.
     * Whatever follows a complete value is not looked at here.
     */
    public static boolean isComplete(CharSequence message) {
        EndNoticingReader text = new EndNoticingReader(message);
        try {
            jsonReader(text).skipValue();
            return true;
        } catch (IOException | RuntimeException e) {
            return !text.endReached;
        }
    }

    /**
     * @return this state as a runtime sends it ({@link #parse} reads it back), with
     *         {@code seccompFd} the only fd
     */
    public String toJson() {
        StringWriter out = new StringWriter();
        try (JsonWriter json = new JsonWriter(out)) {
            json.beginObject()
                    .name("ociVersion").value(ociVersion)
                    .name("fds").beginArray().value("seccompFd").endArray()
                    .name("pid").value(pid)
                    .name("metadata").value(metadata)
                    .name("state").beginObject()
                    .name("id").value(containerId)
                    .name("pid").value(initPid)
                    .name("bundle").value(bundle)
                    .name("annotations").beginObject();
            for (Map.Entry<String, String> a : new TreeMap<>(annotations).entrySet()) {
                json.name(a.getKey()).value(a.getValue());
            }
            json.endObject().endObject().endObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    /** Exactly one JSON value (RFC 8259, strictly), at most {@link #MAX_DEPTH} deep. */
    private static JsonElement readJson(String text) {
        JsonReader reader = jsonReader(new StringReader(text));
        try {
            reader.peek(); // an empty text is refused here, not read as null
            JsonElement value = JsonParser.parseReader(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new IllegalArgumentException("bad JSON: trailing characters");
            }
            return value;
        } catch (IOException | JsonParseException | IllegalStateException e) {
            // Gson wraps the reader's MalformedJsonException; its message is the one that says where
            Throwable cause = e instanceof JsonParseException && e.getCause() != null ? e.getCause() : e;
            String reason = String.valueOf(cause.getMessage());
            int guide = reason.indexOf("\nSee "); // Gson appends a link to its troubleshooting page
            throw new IllegalArgumentException("bad JSON: " + (guide < 0 ? reason : reason.substring(0, guide)), e);
        }
    }

    private static JsonReader jsonReader(Reader text) {
        JsonReader reader = new JsonReader(text);
        reader.setStrictness(Strictness.STRICT); // no comments, NaN, single quotes or bare words
        reader.setNestingLimit(MAX_DEPTH);
        return reader;
    }

    /** The fds array's position of {@code "seccompFd"}, or -1. */
    private static int seccompFdIndex(JsonElement fds) {
        if (fds != null && fds.isJsonArray()) {
            JsonArray names = fds.getAsJsonArray();
            for (int i = 0; i < names.size(); i++) {
                if (isString(names.get(i)) && names.get(i).getAsString().equals("seccompFd")) {
                    return i;
                }
            }
        }
        return -1;
    }

    /** An integer as written (no fraction, no exponent) that fits a long, else null. */
    private static Long integer(JsonElement value) {
        if (value == null || !value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber()) {
            return null;
        }
        String written = value.getAsString(); // Gson keeps the number's text as read
        if (written.indexOf('.') >= 0 || written.indexOf('e') >= 0 || written.indexOf('E') >= 0) {
            return null;
        }
        try {
            return Long.parseLong(written);
        } catch (NumberFormatException e) {
            return null; // beyond a long
        }
    }

    private static boolean isString(JsonElement value) {
        return value != null && value.isJsonPrimitive() && value.getAsJsonPrimitive().isString();
    }

    private static String string(JsonObject object, String key) {
        JsonElement v = object.get(key);
        return isString(v) ? v.getAsString() : null;
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    /** Text that remembers whether a reader asked for more than it holds. */
    private static final class EndNoticingReader extends Reader {
        private final CharSequence text;
        private int at;
        boolean endReached;

        EndNoticingReader(CharSequence text) {
            this.text = text;
        }

        @Override
        public int read(char[] buffer, int offset, int length) {
            if (length == 0) {
                return 0;
            }
            if (at >= text.length()) {
                endReached = true;
                return -1;
            }
            int n = Math.min(length, text.length() - at);
            for (int i = 0; i < n; i++) {
                buffer[offset + i] = text.charAt(at + i);
            }
            at += n;
            return n;
        }

        @Override
        public void close() {
        }
    }
}
