package dev.intercessor.core.internal.oci;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    /** @throws IllegalArgumentException with the reason if the message is not a usable state */
    public static OciState parse(String json) {
        Object parsed = Json.parse(json);
        if (!(parsed instanceof Map)) {
            throw new IllegalArgumentException("not a JSON object");
        }
        Map<?, ?> root = (Map<?, ?>) parsed;
        Object stateValue = root.get("state");
        if (!(stateValue instanceof Map)) {
            throw new IllegalArgumentException("no \"state\" object");
        }
        Map<?, ?> state = (Map<?, ?>) stateValue;
        String id = string(state, "id");
        if (id == null || !id.matches("[A-Za-z0-9][A-Za-z0-9_.+-]{0,255}")) {
            throw new IllegalArgumentException("missing or malformed state.id");
        }
        Object fdsValue = root.get("fds");
        int index = -1;
        if (fdsValue instanceof List) {
            index = ((List<?>) fdsValue).indexOf("seccompFd");
        }
        if (index < 0) {
            throw new IllegalArgumentException("\"fds\" names no seccompFd");
        }
        Object pidValue = root.containsKey("pid") ? root.get("pid") : state.get("pid");
        if (!(pidValue instanceof Long) || (Long) pidValue < 0 || (Long) pidValue > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("missing or malformed pid");
        }
        int pid = (int) (long) (Long) pidValue;
        Object initValue = state.get("pid");
        int initPid = initValue instanceof Long && (Long) initValue > 0 && (Long) initValue <= Integer.MAX_VALUE
                ? (int) (long) (Long) initValue : pid;
        Map<String, String> annotations = new LinkedHashMap<>();
        Object annotationsValue = state.get("annotations");
        if (annotationsValue instanceof Map) {
            ((Map<?, ?>) annotationsValue).forEach((k, v) -> {
                if (k instanceof String && v instanceof String) {
                    annotations.put((String) k, (String) v);
                }
            });
        }
        String metadata = string(root, "metadata");
        String bundle = string(state, "bundle");
        return new OciState(orEmpty(string(root, "ociVersion")), id, pid, initPid, orEmpty(metadata),
                Map.copyOf(annotations), orEmpty(bundle), index);
    }

    /**
     * @return this state as a runtime sends it ({@link #parse} reads it back), with
     *         {@code seccompFd} the only fd
     */
    public String toJson() {
        StringBuilder json = new StringBuilder("{\"ociVersion\":").append(quote(ociVersion))
                .append(",\"fds\":[\"seccompFd\"],\"pid\":").append(pid)
                .append(",\"metadata\":").append(quote(metadata))
                .append(",\"state\":{\"id\":").append(quote(containerId))
                .append(",\"pid\":").append(initPid)
                .append(",\"bundle\":").append(quote(bundle))
                .append(",\"annotations\":{");
        String comma = "";
        for (Map.Entry<String, String> a : new java.util.TreeMap<>(annotations).entrySet()) {
            json.append(comma).append(quote(a.getKey())).append(':').append(quote(a.getValue()));
            comma = ",";
        }
        return json.append("}}}").toString();
    }

    private static String quote(String s) {
        StringBuilder q = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> q.append("\\\"");
                case '\\' -> q.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        q.append(String.format("\\u%04x", (int) c));
                    } else {
                        q.append(c);
                    }
                }
            }
        }
        return q.append('"').toString();
    }

    private static String string(Map<?, ?> map, String key) {
        Object v = map.get(key);
        return v instanceof String ? (String) v : null;
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
