package io.tern.daemon.json;

import java.util.Collection;
import java.util.Map;

/**
 * Writes JSON text for the admin API's response bodies, the state file and minted tokens: plain maps (in their iteration order), collections,
 * strings, numbers, booleans and {@code null} as JSON, with every string escaped per RFC 8259, and
 * {@link Raw} fragments copied as they are (the {@code stats} object, already encoded by the engine
 * in struct order). Worker thread; allocates.
 */
public final class JsonWriter
{
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private JsonWriter()
    {
    }

    /**
     * A fragment that is already valid JSON.
     *
     * @param json the fragment.
     */
    public record Raw(String json)
    {
    }

    /**
     * @param value the value to encode.
     * @return its JSON text.
     * @throws IllegalArgumentException for a value of another type.
     */
    public static String write(final Object value)
    {
        final StringBuilder out = new StringBuilder(256);
        append(out, value);
        return out.toString();
    }

    /**
     * @param message an error text.
     * @return {@code {"error":"<message>"}}.
     */
    public static String error(final String message)
    {
        final StringBuilder out = new StringBuilder(message.length() + 16);
        out.append("{\"error\":");
        appendString(out, message);
        return out.append('}').toString();
    }

    private static void append(final StringBuilder out, final Object value)
    {
        if (value == null)
        {
            out.append("null");
        }
        else if (value instanceof String)
        {
            appendString(out, (String)value);
        }
        else if (value instanceof Boolean || value instanceof Integer || value instanceof Long)
        {
            out.append(value);
        }
        else if (value instanceof Raw)
        {
            out.append(((Raw)value).json());
        }
        else if (value instanceof Map)
        {
            out.append('{');
            boolean first = true;
            for (final Map.Entry<?, ?> entry : ((Map<?, ?>)value).entrySet())
            {
                if (!first)
                {
                    out.append(',');
                }
                first = false;
                appendString(out, String.valueOf(entry.getKey()));
                out.append(':');
                append(out, entry.getValue());
            }
            out.append('}');
        }
        else if (value instanceof Collection)
        {
            out.append('[');
            boolean first = true;
            for (final Object item : (Collection<?>)value)
            {
                if (!first)
                {
                    out.append(',');
                }
                first = false;
                append(out, item);
            }
            out.append(']');
        }
        else
        {
            throw new IllegalArgumentException("cannot write a " + value.getClass().getName() + " as JSON");
        }
    }

    /**
     * Appends {@code text} as a JSON string literal.
     *
     * @param out  where to append.
     * @param text the string.
     * @return {@code out}.
     */
    public static StringBuilder appendString(final StringBuilder out, final String text)
    {
        out.append('"');
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '"':
                    out.append("\\\"");
                    break;
                case '\\':
                    out.append("\\\\");
                    break;
                case '\n':
                    out.append("\\n");
                    break;
                case '\r':
                    out.append("\\r");
                    break;
                case '\t':
                    out.append("\\t");
                    break;
                default:
                    if (c < 0x20)
                    {
                        out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
                    }
                    else
                    {
                        out.append(c);
                    }
            }
        }
        out.append('"');
        return out;
    }
}
