package io.tern.engine.protocol;

import org.agrona.DirectBuffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
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
    private static final int HEADER_SLOTS = 4;
    private static final int HEADER_CAPACITY = 120;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final long ARGS_CLOSE_WORD = (long)LONGS.get(java.util.Arrays.copyOf(ARGS_CLOSE, Long.BYTES), 0);
    /**
     * For each ASCII byte, what is written for it (the byte itself or its escape, at most 6 bytes)
     * as little-endian bytes stored as one word, with its length in the top byte.
     */
    private static final long[] ESCAPED = new long[0x80];
    private static final int ESCAPED_LENGTH_SHIFT = 56;

    static
    {
        for (int b = 0; b < 0x80; b++)
        {
            final byte[] escape = new byte[Long.BYTES];
            final int length;
            switch (b)
            {
                case '"':
                case '\\':
                    escape[0] = '\\';
                    escape[1] = (byte)b;
                    length = 2;
                    break;
                case '\n':
                case '\r':
                case '\t':
                    escape[0] = '\\';
                    escape[1] = (byte)(b == '\n' ? 'n' : b == '\r' ? 'r' : 't');
                    length = 2;
                    break;
                case '<':
                case '>':
                case '&':
                    length = putUnicodeEscape(escape, 0, b);
                    break;
                default:
                    if (b < 0x20)
                    {
                        length = putUnicodeEscape(escape, 0, b);
                    }
                    else
                    {
                        escape[0] = (byte)b;
                        length = 1;
                    }
                    break;
            }
            ESCAPED[b] = (long)LONGS.get(escape, 0) | (long)length << ESCAPED_LENGTH_SHIFT;
        }
    }

    private final FramePool pool;
    /** Recently used event names and their encoded headers, round-robin replaced. */
    private final String[] headerEvents = new String[HEADER_SLOTS];
    private final byte[][] headers = new byte[HEADER_SLOTS][HEADER_CAPACITY];
    private final int[] headerLengths = new int[HEADER_SLOTS];
    private int nextHeaderSlot;

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
        final Frame frame = pool.acquire(capacity(event, length), kind);
        final byte[] out = frame.bytes;
        final int o = escape(utf8, offset, length, out, putHeader(out, event));
        LONGS.set(out, o, ARGS_CLOSE_WORD);
        frame.length = o + ARGS_CLOSE.length;
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
        final Frame frame = pool.acquire(capacity(event, length), kind);
        final byte[] out = frame.bytes;
        final int o = escape(buffer.byteArray(), (int)buffer.wrapAdjustment() + index, length, out, putHeader(out, event));
        LONGS.set(out, o, ARGS_CLOSE_WORD);
        frame.length = o + ARGS_CLOSE.length;
        return frame;
    }

    /**
     * Encodes a {@code stats} frame for {@code usage}: its JSON is written into the frame already
     * escaped ({@link io.tern.engine.server.ResourceUsage#writeEscapedJson}), byte for byte what
     * {@code encode(Events.STATS, json)} gives, without the escape pass.
     *
     * @param usage the sample.
     * @param kind  the {@link FrameKind}.
     * @return a frame holding one reference for the caller.
     */
    public Frame encodeStats(final io.tern.engine.server.ResourceUsage usage, final int kind)
    {
        final Frame frame = pool.acquire(PREFIX.length + Events.STATS.length() + ARGS_OPEN.length
            + io.tern.engine.server.ResourceUsage.MAX_ESCAPED_JSON_LENGTH + ARGS_CLOSE.length + Long.BYTES, kind);
        final byte[] out = frame.bytes;
        final int o = usage.writeEscapedJson(out, putHeader(out, Events.STATS));
        LONGS.set(out, o, ARGS_CLOSE_WORD);
        frame.length = o + ARGS_CLOSE.length;
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
        final byte[] scratch = new byte[capacity(event, utf8.length)];
        int o = put(scratch, 0, PREFIX);
        o = putAscii(scratch, o, event);
        o = put(scratch, o, ARGS_OPEN);
        o = escape(utf8, 0, utf8.length, scratch, o);
        o = put(scratch, o, ARGS_CLOSE);
        return FramePool.constant(java.util.Arrays.copyOf(scratch, o), kind);
    }

    /** Room for the frame: every arg byte escaped at most {@link #MAX_ESCAPE} wide, plus a word of slack for whole-word stores. */
    private static int capacity(final String event, final int argLength)
    {
        return PREFIX.length + event.length() + ARGS_OPEN.length + argLength * MAX_ESCAPE + ARGS_CLOSE.length + Long.BYTES;
    }

    /**
     * Writes {@code {"event":"<event>","args":["} at the start of {@code out}, from a small cache
     * of recent headers (event names are constants, so identity finds them). Misses refill a
     * preallocated slot; names too long for one are written directly.
     *
     * @return the length of the header.
     */
    private int putHeader(final byte[] out, final String event)
    {
        int slot = -1;
        for (int i = 0; i < HEADER_SLOTS; i++)
        {
            if (headerEvents[i] == event)
            {
                slot = i;
                break;
            }
        }
        if (slot < 0)
        {
            final int length = PREFIX.length + event.length() + ARGS_OPEN.length;
            if (length > HEADER_CAPACITY)
            {
                final int o = putAscii(out, put(out, 0, PREFIX), event);
                return put(out, o, ARGS_OPEN);
            }
            slot = nextHeaderSlot;
            nextHeaderSlot = (slot + 1) % HEADER_SLOTS;
            final byte[] header = headers[slot];
            put(header, putAscii(header, put(header, 0, PREFIX), event), ARGS_OPEN);
            headerLengths[slot] = length;
            headerEvents[slot] = event;
        }
        final int length = headerLengths[slot];
        System.arraycopy(headers[slot], 0, out, 0, length);
        return length;
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

    /**
     * Escapes {@code in[offset, offset + length)} into {@code out} at {@code at}, a word of eight
     * bytes at a time: the plain bytes between the ones that need escaping are stored as shifted
     * words, each flagged byte is replaced by its escape from {@link #ESCAPED}. The last word of
     * the input overlaps the one before it, its lanes already written masked off. Stores up to 8
     * bytes past what it produces, so callers leave a word of room beyond {@link #MAX_ESCAPE}
     * bytes per input byte; the bytes past the end are overwritten by what follows or ignored.
     */
    private static int escape(final byte[] in, final int offset, final int length, final byte[] out, final int at)
    {
        int o = at;
        int i = offset;
        final int end = offset + length;
        while (i < end)
        {
            int from = Math.min(i, end - Long.BYTES);
            if (from >= 0)
            {
                long word = (long)LONGS.get(in, from);
                int written = i - from;
                long special = specialBytes(word) & (-1L << (written << 3));
                // Plain words followed by another whole word: copied as they are (written stays 0 here,
                // only the overlapping last word starts part-way).
                while (special == 0 && from <= end - 2 * Long.BYTES)
                {
                    LONGS.set(out, o, word);
                    o += Long.BYTES;
                    from += Long.BYTES;
                    word = (long)LONGS.get(in, from);
                    special = specialBytes(word);
                }
                boolean nonAscii = false;
                while (special != 0)
                {
                    final int lane = Long.numberOfTrailingZeros(special) >>> 3;
                    LONGS.set(out, o, word >>> (written << 3));
                    o += lane - written;
                    written = lane;
                    final int b = (int)(word >>> (lane << 3)) & 0xFF;
                    if (b >= 0x80)
                    {
                        nonAscii = true;
                        break;
                    }
                    final long escaped = ESCAPED[b];
                    LONGS.set(out, o, escaped);
                    o += (int)(escaped >>> ESCAPED_LENGTH_SHIFT);
                    written = lane + 1;
                    special &= special - 1;
                }
                if (!nonAscii)
                {
                    if (written < Long.BYTES)
                    {
                        LONGS.set(out, o, word >>> (written << 3));
                        o += Long.BYTES - written;
                    }
                    i = from + Long.BYTES;
                    continue;
                }
                i = from + written;
            }
            final int b = in[i] & 0xFF;
            if (b < 0x80)
            {
                final long escaped = ESCAPED[b];
                LONGS.set(out, o, escaped);
                o += (int)(escaped >>> ESCAPED_LENGTH_SHIFT);
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

    /**
     * The high bit of every byte of {@code word} (little-endian lanes) that cannot be copied as it
     * is: below 0x20, non-ASCII, or one of {@code " \ < > &}. An ASCII byte {@code b} needs
     * escaping exactly when {@code b - 0x20} or {@code (b ^ c) - 1} for a special {@code c}
     * borrows into the high bit; non-ASCII bytes have it set already. Lanes above the first
     * flagged one may be flagged wrongly (a borrow runs upwards), the lowest flagged lane is always
     * right, and the caller handles a wrongly flagged plain byte like any other (it maps to itself).
     */
    private static long specialBytes(final long word)
    {
        // " (0x22) and & (0x26) differ only in bit 2, < (0x3C) and > (0x3E) only in bit 1.
        final long quoteOrAmpersand = ((word | 0x0404040404040404L) ^ 0x2626262626262626L) - ONES;
        final long angle = ((word | 0x0202020202020202L) ^ 0x3E3E3E3E3E3E3E3EL) - ONES;
        final long backslash = (word ^ 0x5C5C5C5C5C5C5C5CL) - ONES;
        final long control = word - 0x2020202020202020L;
        return (control | word | quoteOrAmpersand | angle | backslash) & HIGH_BITS;
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
