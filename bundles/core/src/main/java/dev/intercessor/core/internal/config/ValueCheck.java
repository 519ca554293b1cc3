package dev.intercessor.core.internal.config;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Pattern;

import org.osgi.service.metatype.AttributeDefinition;

/**
 * Whether a configured value is one of its metatype type. DS would turn {@code enabled=flase}
 * into {@code false} without a word, and fail to activate a component over {@code threads=four}:
 * a boolean must be {@code true} or {@code false} (any case), a number must parse as its type.
 * Ranges and option lists are the metatype implementation's to check ({@link AttributeDefinition#validate}).
 */
final class ValueCheck {

    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    private ValueCheck() {
    }

    /**
     * @param type  an {@link AttributeDefinition} type constant
     * @param value one configured value (an element, for an attribute with cardinality)
     * @return why {@code value} is not of {@code type}, or {@code null} if it is
     */
    static String problem(int type, Object value) {
        if (value == null) {
            return "no value";
        }
        String text = String.valueOf(value).trim();
        switch (type) {
            case AttributeDefinition.BOOLEAN:
                return value instanceof Boolean || text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")
                        ? null : "not a boolean (true or false)";
            case AttributeDefinition.BYTE:
                return wholeNumber(text, Byte.MIN_VALUE, Byte.MAX_VALUE);
            case AttributeDefinition.SHORT:
                return wholeNumber(text, Short.MIN_VALUE, Short.MAX_VALUE);
            case AttributeDefinition.INTEGER:
                return wholeNumber(text, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case AttributeDefinition.LONG:
                return wholeNumber(text, Long.MIN_VALUE, Long.MAX_VALUE);
            case AttributeDefinition.FLOAT:
            case AttributeDefinition.DOUBLE:
                // Not Double.parseDouble's whole syntax: "NaN", "Infinity" and "1f" are no operator's numbers.
                return DECIMAL.matcher(text).matches() ? null : "not a number";
            case AttributeDefinition.CHARACTER:
                return text.length() == 1 ? null : "not a single character";
            default:
                return null;
        }
    }

    private static String wholeNumber(String text, long min, long max) {
        BigDecimal n;
        try {
            n = new BigDecimal(text);
        } catch (NumberFormatException e) {
            return "not a whole number";
        }
        if (n.stripTrailingZeros().scale() > 0 || text.contains(".") || text.toLowerCase(Locale.ROOT).contains("e")) {
            return "not a whole number";
        }
        return n.compareTo(BigDecimal.valueOf(min)) < 0 || n.compareTo(BigDecimal.valueOf(max)) > 0
                ? "out of range [" + min + ", " + max + "]" : null;
    }

    /** @return the metatype type's name for people */
    static String typeName(int type) {
        switch (type) {
            case AttributeDefinition.BOOLEAN:
                return "boolean";
            case AttributeDefinition.BYTE:
            case AttributeDefinition.SHORT:
            case AttributeDefinition.INTEGER:
            case AttributeDefinition.LONG:
                return "whole number";
            case AttributeDefinition.FLOAT:
            case AttributeDefinition.DOUBLE:
                return "number";
            default:
                return "text";
        }
    }
}
