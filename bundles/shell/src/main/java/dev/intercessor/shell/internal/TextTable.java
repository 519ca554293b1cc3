package dev.intercessor.shell.internal;

import java.util.ArrayList;
import java.util.List;

import dev.intercessor.logging.LogText;

/**
 * Rows of text in aligned columns under a header, two spaces apart; control characters in a cell
 * show escaped ({@link LogText}), so a row stays one line.
 */
final class TextTable {

    private final List<String> headers = new ArrayList<>();
    private final List<Boolean> rightAligned = new ArrayList<>();
    private final List<String[]> rows = new ArrayList<>();

    /** Adds a column whose cells are aligned on the left (text). */
    TextTable left(String header) {
        headers.add(LogText.escape(header));
        rightAligned.add(false);
        return this;
    }

    /** Adds a column whose cells are aligned on the right (numbers). */
    TextTable right(String header) {
        headers.add(LogText.escape(header));
        rightAligned.add(true);
        return this;
    }

    TextTable row(Object... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException(cells.length + " cells for " + headers.size() + " columns");
        }
        String[] row = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            row[i] = cells[i] == null ? "" : LogText.escape(cells[i].toString());
        }
        rows.add(row);
        return this;
    }

    /** @return the header and the rows, one per line, without a final line end */
    @Override
    public String toString() {
        int columns = headers.size();
        int[] widths = new int[columns];
        for (int i = 0; i < columns; i++) {
            widths[i] = width(headers.get(i));
        }
        for (String[] row : rows) {
            for (int i = 0; i < columns; i++) {
                widths[i] = Math.max(widths[i], width(row[i]));
            }
        }
        StringBuilder out = new StringBuilder();
        line(out, headers.toArray(String[]::new), widths);
        for (String[] row : rows) {
            out.append('\n');
            line(out, row, widths);
        }
        return out.toString();
    }

    private void line(StringBuilder out, String[] cells, int[] widths) {
        int start = out.length();
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                out.append("  ");
            }
            int pad = widths[i] - width(cells[i]);
            if (rightAligned.get(i)) {
                out.append(" ".repeat(pad)).append(cells[i]);
            } else {
                out.append(cells[i]).append(" ".repeat(pad));
            }
        }
        int end = out.length();
        while (end > start && out.charAt(end - 1) == ' ') {
            end--;
        }
        out.setLength(end);
    }

    /** Terminal columns of {@code s}: one per code point (ids, names and numbers are narrow). */
    private static int width(String s) {
        return s.codePointCount(0, s.length());
    }
}
