package io.tern.engine.protocol;

import com.jsoniter.CodegenAccess;
import com.jsoniter.JsonIterator;
import com.jsoniter.ValueType;
import com.jsoniter.spi.Slice;

/**
 * Decodes one inbound {@code {"event":"…","args":[…]}} message without allocating, with Go's
 * tolerances (PROTOCOL.md §1.4 step 3): keys match case-insensitively, unknown keys are skipped,
 * {@code args} {@code null} or missing is empty, a {@code null} element is {@code ""}; anything
 * else that is not a string (or trailing garbage) makes the whole message invalid.
 *
 * <p>After {@link #decode(byte[], int)} succeeds, {@link #eventId()} says which event it is and
 * {@link #argsBytes()}/{@link #argsLength()} hold all args concatenated (UTF-8, unescaped), which
 * is what Wings uses for {@code auth}, {@code set state} and {@code send command}.
 * Owned by one thread (the inbound handler).
 */
public final class InboundDecoder
{
    private final JsonIterator iterator = new JsonIterator();
    private byte[] message;
    private int length;
    private byte[] args = new byte[1024];
    private int argsLength;
    private int eventId;
    private final byte[] eventName = new byte[Events.MAX_INBOUND_NAME];
    private int eventNameLength;

    /**
     * @param message the message bytes.
     * @param length  the message length.
     * @return false when the message is not a valid envelope (it is then dropped silently).
     */
    public boolean decode(final byte[] message, final int length)
    {
        this.message = message;
        this.length = length;
        eventId = Events.IN_NONE;
        eventNameLength = -1;
        argsLength = 0;
        iterator.reset(message, 0, length);
        try
        {
            if (iterator.whatIsNext() != ValueType.OBJECT)
            {
                return false;
            }
            if (CodegenAccess.readObjectStart(iterator))
            {
                do
                {
                    final Slice key = CodegenAccess.readObjectFieldAsSlice(iterator);
                    if (equalsIgnoreCase(key, "event"))
                    {
                        if (!readEvent())
                        {
                            return false;
                        }
                    }
                    else if (equalsIgnoreCase(key, "args"))
                    {
                        if (!readArgs())
                        {
                            return false;
                        }
                    }
                    else
                    {
                        iterator.skip();
                    }
                }
                while (CodegenAccess.nextTokenIsComma(iterator));
            }
            return isAtEnd(message, length) && eventNameLength >= 0;
        }
        catch (final RuntimeException | java.io.IOException ex)
        {
            return false;
        }
    }

    private boolean readEvent() throws java.io.IOException
    {
        final ValueType type = iterator.whatIsNext();
        if (type == ValueType.NULL)
        {
            iterator.readNull();
            eventNameLength = 0;
            eventId = Events.IN_OTHER;
            return true;
        }
        if (type != ValueType.STRING)
        {
            return false;
        }
        final int start = stringStart();
        final int end = stringEnd(start);
        if (end < 0)
        {
            return false;
        }
        final int written = unescape(message, start, end, eventName, 0, eventName.length);
        CodegenAccess.skipFixedBytes(iterator, end + 1 - start);
        if (written < 0)
        {
            eventNameLength = eventName.length;
            eventId = Events.IN_OTHER;
            return true;
        }
        eventNameLength = written;
        eventId = Events.inboundId(eventName, written);
        return true;
    }

    private boolean readArgs() throws java.io.IOException
    {
        argsLength = 0;
        final ValueType type = iterator.whatIsNext();
        if (type == ValueType.NULL)
        {
            iterator.readNull();
            return true;
        }
        if (type != ValueType.ARRAY)
        {
            return false;
        }
        if (!CodegenAccess.readArrayStart(iterator))
        {
            return true;
        }
        do
        {
            final ValueType element = iterator.whatIsNext();
            if (element == ValueType.NULL)
            {
                iterator.readNull();
            }
            else if (element == ValueType.STRING)
            {
                final int start = stringStart();
                final int end = stringEnd(start);
                if (end < 0)
                {
                    return false;
                }
                ensureArgsCapacity(argsLength + end - start);
                final int written = unescape(message, start, end, args, argsLength, args.length - argsLength);
                if (written < 0)
                {
                    return false;
                }
                CodegenAccess.skipFixedBytes(iterator, end + 1 - start);
                argsLength += written;
            }
            else
            {
                return false;
            }
        }
        while (CodegenAccess.nextTokenIsComma(iterator));
        return true;
    }

    private void ensureArgsCapacity(final int needed)
    {
        if (needed > args.length)
        {
            final byte[] grown = new byte[Math.max(needed, args.length * 2)];
            System.arraycopy(args, 0, grown, 0, argsLength);
            args = grown;
        }
    }

    private boolean isAtEnd(final byte[] message, final int length)
    {
        for (int i = CodegenAccess.head(iterator); i < length; i++)
        {
            final byte b = message[i];
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t')
            {
                return false;
            }
        }
        return true;
    }

    /** Consumes the opening quote of a string value; returns the index of its first byte. */
    private int stringStart() throws java.io.IOException
    {
        CodegenAccess.nextToken(iterator);
        return CodegenAccess.head(iterator);
    }

    /** jsoniter's slices reject escapes, so string bodies are delimited here: index of the closing quote, or -1. */
    private int stringEnd(final int start)
    {
        for (int i = start; i < length; i++)
        {
            final byte b = message[i];
            if (b == '\\')
            {
                i++;
            }
            else if (b == '"')
            {
                return i;
            }
            else if ((b & 0xFF) < 0x20)
            {
                return -1;
            }
        }
        return -1;
    }

    /**
     * Copies a JSON string body (without quotes) into {@code out}, resolving escapes. Unescaping
     * never makes a string longer, so {@code end - start} bytes of room always suffice.
     *
     * @return bytes written, or -1 for an invalid escape or when {@code room} is too small.
     */
    static int unescape(final byte[] in, final int start, final int end, final byte[] out, final int offset, final int room)
    {
        int o = offset;
        final int limit = offset + room;
        for (int i = start; i < end; i++)
        {
            final byte b = in[i];
            if (o >= limit)
            {
                return -1;
            }
            if (b != '\\')
            {
                out[o++] = b;
                continue;
            }
            if (++i >= end)
            {
                return -1;
            }
            switch (in[i])
            {
                case '"': out[o++] = '"'; break;
                case '\\': out[o++] = '\\'; break;
                case '/': out[o++] = '/'; break;
                case 'b': out[o++] = '\b'; break;
                case 'f': out[o++] = '\f'; break;
                case 'n': out[o++] = '\n'; break;
                case 'r': out[o++] = '\r'; break;
                case 't': out[o++] = '\t'; break;
                case 'u':
                {
                    if (i + 4 >= end)
                    {
                        return -1;
                    }
                    int cp = hex4(in, i + 1);
                    if (cp < 0)
                    {
                        return -1;
                    }
                    i += 4;
                    if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < end && in[i + 1] == '\\' && in[i + 2] == 'u')
                    {
                        final int low = hex4(in, i + 3);
                        if (low >= 0xDC00 && low <= 0xDFFF)
                        {
                            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                            i += 6;
                        }
                    }
                    if (cp >= 0xD800 && cp <= 0xDFFF)
                    {
                        cp = 0xFFFD;
                    }
                    final int needed = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
                    if (o + needed > limit)
                    {
                        return -1;
                    }
                    o = putCodePoint(out, o, cp);
                    break;
                }
                default:
                    return -1;
            }
        }
        return o - offset;
    }

    private static int hex4(final byte[] in, final int at)
    {
        int value = 0;
        for (int k = 0; k < 4; k++)
        {
            final int c = in[at + k];
            final int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (digit < 0)
            {
                return -1;
            }
            value = (value << 4) | digit;
        }
        return value;
    }

    private static int putCodePoint(final byte[] out, final int at, final int cp)
    {
        int o = at;
        if (cp < 0x80)
        {
            out[o++] = (byte)cp;
        }
        else if (cp < 0x800)
        {
            out[o++] = (byte)(0xC0 | (cp >> 6));
            out[o++] = (byte)(0x80 | (cp & 0x3F));
        }
        else if (cp < 0x10000)
        {
            out[o++] = (byte)(0xE0 | (cp >> 12));
            out[o++] = (byte)(0x80 | ((cp >> 6) & 0x3F));
            out[o++] = (byte)(0x80 | (cp & 0x3F));
        }
        else
        {
            out[o++] = (byte)(0xF0 | (cp >> 18));
            out[o++] = (byte)(0x80 | ((cp >> 12) & 0x3F));
            out[o++] = (byte)(0x80 | ((cp >> 6) & 0x3F));
            out[o++] = (byte)(0x80 | (cp & 0x3F));
        }
        return o;
    }

    private static boolean equalsIgnoreCase(final Slice slice, final String ascii)
    {
        if (slice.len() != ascii.length())
        {
            return false;
        }
        final byte[] data = slice.data();
        final int head = slice.head();
        for (int i = 0; i < ascii.length(); i++)
        {
            int c = data[head + i];
            if (c >= 'A' && c <= 'Z')
            {
                c += 'a' - 'A';
            }
            if (c != ascii.charAt(i))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * @return the {@link Events} inbound id of the last decoded message.
     */
    public int eventId()
    {
        return eventId;
    }

    /**
     * @return the event name bytes as received (for {@code throttled} notices).
     */
    public byte[] eventName()
    {
        return eventName;
    }

    /**
     * @return the length of {@link #eventName()}.
     */
    public int eventNameLength()
    {
        return eventNameLength;
    }

    /**
     * @return all args concatenated, UTF-8.
     */
    public byte[] argsBytes()
    {
        return args;
    }

    /**
     * @return the length of {@link #argsBytes()}.
     */
    public int argsLength()
    {
        return argsLength;
    }
}
