package io.tern.engine.protocol;

import org.agrona.DirectBuffer;

import java.nio.charset.StandardCharsets;

/**
 * Encodes outbound frames {@code {"event":"<name>","args":["<arg>"]}\n} (Go's
 * {@code Encoder.Encode} shape, PROTOCOL.md §2.2) into pooled {@link Frame}s without allocating.
 * The arg is JSON-escaped from UTF-8 bytes: {@code "} and {@code \}, control characters, and, as
 * Go does, {@code <}, {@code >}, {@code &}, U+2028 and U+2029; invalid UTF-8 becomes U+FFFD, so
 * every frame is valid UTF-8 JSON that a browser accepts. One encoder per thread.
 */
public final class FrameEncoder
{
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PREFIX = "{\"event\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ARGS_OPEN = "\",\"args\":[\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ARGS_CLOSE = "\"]}\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NO_ARGS_CLOSE = "\"}\n".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_ESCAPE = 6;
    /** Bytes copied as they are: printable ASCII other than {@code "}, {@code \\}, {@code <}, {@code >}, {@code &}. */
    private static final boolean[] PLAIN = new boolean[256];

    static
    {
        for (int b = 0x20; b < 0x80; b++)
        {
            PLAIN[b] = b != '"' && b != '\\' && b != '<' && b != '>' && b != '&';
        }
    }

    private final FramePool pool;

    /**
     * @param pool the frames to encode into; owned by the same thread.
     */
    public FrameEncoder(final FramePool pool)
    {
        this.pool = pool;
    }

    /**
     * Encodes an event with one arg given as UTF-8 bytes.
     *
     * @param event  ASCII event name (must need no escaping).
     * @param utf8   the arg bytes.
     * @param offset start of the arg.
     * @param length arg length.
     * @param kind   the {@link FrameKind}.
     * @return a frame holding one reference for the caller.
     */
    public Frame encode(final String event, final byte[] utf8, final int offset, final int length, final int kind)
    {
        final Frame frame = pool.acquire(PREFIX.length + event.length() + ARGS_OPEN.length + length * MAX_ESCAPE + ARGS_CLOSE.length, kind);
        final byte[] out = frame.bytes;
        int o = put(out, 0, PREFIX);
        o = putAscii(out, o, event);
        o = put(out, o, ARGS_OPEN);
        o = escape(utf8, offset, length, out, o);
        o = put(out, o, ARGS_CLOSE);
        frame.length = o;
        return frame;
    }

    /**
     * Encodes an event with one arg read from a heap-backed Agrona buffer (a copied broadcast record).
     *
     * @param event  ASCII event name.
     * @param buffer the record buffer.
     * @param index  start of the arg.
     * @param length arg length.
     * @param kind   the {@link FrameKind}.
     * @return a frame holding one reference for the caller.
     */
    public Frame encode(final String event, final DirectBuffer buffer, final int index, final int length, final int kind)
    {
        final Frame frame = pool.acquire(PREFIX.length + event.length() + ARGS_OPEN.length + length * MAX_ESCAPE + ARGS_CLOSE.length, kind);
        final byte[] out = frame.bytes;
        int o = put(out, 0, PREFIX);
        o = putAscii(out, o, event);
        o = put(out, o, ARGS_OPEN);
        o = escape(buffer.byteArray(), (int)buffer.wrapAdjustment() + index, length, out, o);
        o = put(out, o, ARGS_CLOSE);
        frame.length = o;
        return frame;
    }

    /**
     * Encodes an event with one string arg. Allocates (UTF-8 conversion); for rare frames.
     *
     * @param event ASCII event name.
     * @param arg   the arg.
     * @param kind  the {@link FrameKind}.
     * @return a frame holding one reference for the caller.
     */
    public Frame encode(final String event, final String arg, final int kind)
    {
        final byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
        return encode(event, bytes, 0, bytes.length, kind);
    }

    /**
     * Builds a constant (never pooled) frame; allocates. For fixed messages built once.
     *
     * @param event ASCII event name.
     * @param arg   the single arg, or {@code null} for a frame without {@code args}.
     * @param kind  the {@link FrameKind}.
     * @return the frame.
     */
    public static Frame constant(final String event, final String arg, final int kind)
    {
        final byte[] out;
        if (arg == null)
        {
            out = new byte[PREFIX.length + event.length() + NO_ARGS_CLOSE.length];
            int o = put(out, 0, PREFIX);
            o = putAscii(out, o, event);
            put(out, o, NO_ARGS_CLOSE);
            return FramePool.constant(out, kind);
        }
        final byte[] utf8 = arg.getBytes(StandardCharsets.UTF_8);
        final byte[] scratch = new byte[PREFIX.length + event.length() + ARGS_OPEN.length + utf8.length * MAX_ESCAPE + ARGS_CLOSE.length];
        int o = put(scratch, 0, PREFIX);
        o = putAscii(scratch, o, event);
        o = put(scratch, o, ARGS_OPEN);
        o = escape(utf8, 0, utf8.length, scratch, o);
        o = put(scratch, o, ARGS_CLOSE);
        return FramePool.constant(java.util.Arrays.copyOf(scratch, o), kind);
    }

    private static int put(final byte[] out, final int at, final byte[] bytes)
    {
        System.arraycopy(bytes, 0, out, at, bytes.length);
        return at + bytes.length;
    }

    private static int putAscii(final byte[] out, final int at, final String ascii)
    {
        final int length = ascii.length();
        for (int i = 0; i < length; i++)
        {
            out[at + i] = (byte)ascii.charAt(i);
        }
        return at + length;
    }

    private static int escape(final byte[] in, final int offset, final int length, final byte[] out, final int at)
    {
        int o = at;
        final int end = offset + length;
        int i = offset;
        while (i < end)
        {
            int run = i;
            while (run < end && PLAIN[in[run] & 0xFF])
            {
                run++;
            }
            if (run > i)
            {
                System.arraycopy(in, i, out, o, run - i);
                o += run - i;
                i = run;
                if (i == end)
                {
                    break;
                }
            }
            final int b = in[i] & 0xFF;
            if (b < 0x80)
            {
                o = escapeAscii(b, out, o);
                i++;
                continue;
            }
            final int sequence = utf8SequenceLength(in, i, end);
            if (sequence == 0)
            {
                o = putReplacement(out, o);
                i++;
                continue;
            }
            if (sequence == 3 && b == 0xE2 && (in[i + 1] & 0xFF) == 0x80 && ((in[i + 2] & 0xFF) == 0xA8 || (in[i + 2] & 0xFF) == 0xA9))
            {
                o = putUnicodeEscape(out, o, (in[i + 2] & 0xFF) == 0xA8 ? 0x2028 : 0x2029);
            }
            else
            {
                System.arraycopy(in, i, out, o, sequence);
                o += sequence;
            }
            i += sequence;
        }
        return o;
    }

    private static int escapeAscii(final int b, final byte[] out, final int at)
    {
        int o = at;
        switch (b)
        {
            case '"':
                out[o++] = '\\';
                out[o++] = '"';
                return o;
            case '\\':
                out[o++] = '\\';
                out[o++] = '\\';
                return o;
            case '\n':
                out[o++] = '\\';
                out[o++] = 'n';
                return o;
            case '\r':
                out[o++] = '\\';
                out[o++] = 'r';
                return o;
            case '\t':
                out[o++] = '\\';
                out[o++] = 't';
                return o;
            case '<':
            case '>':
            case '&':
                return putUnicodeEscape(out, o, b);
            default:
                if (b < 0x20)
                {
                    return putUnicodeEscape(out, o, b);
                }
                out[o++] = (byte)b;
                return o;
        }
    }

    private static int putUnicodeEscape(final byte[] out, final int at, final int c)
    {
        out[at] = '\\';
        out[at + 1] = 'u';
        out[at + 2] = HEX[(c >> 12) & 0xF];
        out[at + 3] = HEX[(c >> 8) & 0xF];
        out[at + 4] = HEX[(c >> 4) & 0xF];
        out[at + 5] = HEX[c & 0xF];
        return at + 6;
    }

    private static int putReplacement(final byte[] out, final int at)
    {
        out[at] = (byte)0xEF;
        out[at + 1] = (byte)0xBF;
        out[at + 2] = (byte)0xBD;
        return at + 3;
    }

    /** @return the length of a valid UTF-8 sequence starting at {@code i}, or 0 when invalid. */
    private static int utf8SequenceLength(final byte[] in, final int i, final int end)
    {
        final int b0 = in[i] & 0xFF;
        if (b0 >= 0xC2 && b0 <= 0xDF)
        {
            return i + 1 < end && isContinuation(in[i + 1]) ? 2 : 0;
        }
        if (b0 >= 0xE0 && b0 <= 0xEF)
        {
            if (i + 2 >= end || !isContinuation(in[i + 1]) || !isContinuation(in[i + 2]))
            {
                return 0;
            }
            final int b1 = in[i + 1] & 0xFF;
            if (b0 == 0xE0 && b1 < 0xA0 || b0 == 0xED && b1 > 0x9F)
            {
                return 0;
            }
            return 3;
        }
        if (b0 >= 0xF0 && b0 <= 0xF4)
        {
            if (i + 3 >= end || !isContinuation(in[i + 1]) || !isContinuation(in[i + 2]) || !isContinuation(in[i + 3]))
            {
                return 0;
            }
            final int b1 = in[i + 1] & 0xFF;
            if (b0 == 0xF0 && b1 < 0x90 || b0 == 0xF4 && b1 > 0x8F)
            {
                return 0;
            }
            return 4;
        }
        return 0;
    }

    private static boolean isContinuation(final byte b)
    {
        return (b & 0xC0) == 0x80;
    }
}
