package io.tern.daemon.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;

/**
 * The client side of RFC 6455, as small as the load generator needs: the opening handshake
 * (request, {@code Sec-WebSocket-Accept} check), masked frames out (§5.3), frame headers in.
 * Lives in the daemon module beside {@link BenchLine} so it is unit-tested with it; used only by
 * {@code io.tern.benchmarks.load.LoadGenerator}. No extensions are offered, so the daemon never
 * compresses. Stateless; the {@link Header} holder is per caller.
 */
public final class WebsocketClientCodec
{
    /** Opcode of a continuation frame. */
    public static final int CONTINUATION = 0x0;
    /** Opcode of a text frame. */
    public static final int TEXT = 0x1;
    /** Opcode of a binary frame. */
    public static final int BINARY = 0x2;
    /** Opcode of a close frame. */
    public static final int CLOSE = 0x8;
    /** Opcode of a ping. */
    public static final int PING = 0x9;
    /** Opcode of a pong. */
    public static final int PONG = 0xA;
    /** The largest client header: 2 + 8 length bytes + 4 mask bytes. */
    public static final int MAX_CLIENT_HEADER = 14;

    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private WebsocketClientCodec()
    {
    }

    /**
     * The upgrade request.
     *
     * @param hostHeader the {@code Host} value ({@code host:port}).
     * @param path       the path and query.
     * @param key        the base64 {@code Sec-WebSocket-Key}.
     * @param origin     the {@code Origin} value, or null for none.
     * @return the request bytes.
     */
    public static byte[] handshakeRequest(final String hostHeader, final String path, final String key, final String origin)
    {
        return ("GET " + path + " HTTP/1.1\r\nHost: " + hostHeader + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n"
            + (origin == null ? "" : "Origin: " + origin + "\r\n") + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * @param key the request's {@code Sec-WebSocket-Key}.
     * @return the {@code Sec-WebSocket-Accept} the server must answer with.
     */
    public static String acceptFor(final String key)
    {
        try
        {
            final byte[] digest = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * Finds the end of the HTTP response head.
     *
     * @param bytes the bytes received so far.
     * @param from  start.
     * @param to    end, exclusive.
     * @return the index just past {@code \r\n\r\n}, or -1 when the head is not complete.
     */
    public static int headEnd(final byte[] bytes, final int from, final int to)
    {
        for (int i = from; i + 3 < to; i++)
        {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n')
            {
                return i + 4;
            }
        }
        return -1;
    }

    /**
     * Checks a response head.
     *
     * @param head the head, through the blank line.
     * @param key  the request's key.
     * @return null when it is a valid 101 for {@code key}, else what is wrong (the status line).
     */
    public static String checkResponse(final String head, final String key)
    {
        final int lineEnd = head.indexOf("\r\n");
        final String status = lineEnd < 0 ? head : head.substring(0, lineEnd);
        if (!status.startsWith("HTTP/1.1 101"))
        {
            return status;
        }
        final String expected = acceptFor(key);
        for (final String line : head.split("\r\n"))
        {
            final int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("sec-websocket-accept"))
            {
                return line.substring(colon + 1).trim().equals(expected) ? null : "wrong Sec-WebSocket-Accept: " + line;
            }
        }
        return "no Sec-WebSocket-Accept";
    }

    /**
     * Writes one final, masked client frame.
     *
     * @param opcode  the opcode.
     * @param payload the payload bytes.
     * @param offset  start of the payload.
     * @param length  payload length.
     * @param mask    the 32-bit masking key.
     * @param out     receives header and masked payload; needs {@code length + MAX_CLIENT_HEADER} bytes remaining.
     */
    public static void writeMaskedFrame(
        final int opcode, final byte[] payload, final int offset, final int length, final int mask, final ByteBuffer out)
    {
        out.put((byte)(0x80 | opcode));
        if (length < 126)
        {
            out.put((byte)(0x80 | length));
        }
        else if (length < 65536)
        {
            out.put((byte)(0x80 | 126));
            out.putShort((short)length);
        }
        else
        {
            out.put((byte)(0x80 | 127));
            out.putLong(length);
        }
        out.putInt(mask);
        for (int i = 0; i < length; i++)
        {
            out.put((byte)(payload[offset + i] ^ (mask >>> (24 - 8 * (i & 3)))));
        }
    }

    /**
     * Decodes a frame header.
     *
     * @param bytes the received bytes.
     * @param from  where the frame starts.
     * @param to    end of the received bytes, exclusive.
     * @param into  receives the header.
     * @return false when the header is not complete yet.
     */
    public static boolean readHeader(final byte[] bytes, final int from, final int to, final Header into)
    {
        if (to - from < 2)
        {
            return false;
        }
        final int b0 = bytes[from] & 0xFF;
        final int b1 = bytes[from + 1] & 0xFF;
        final boolean masked = (b1 & 0x80) != 0;
        final int lengthCode = b1 & 0x7F;
        int headerLength = 2 + (masked ? 4 : 0);
        long payloadLength;
        if (lengthCode < 126)
        {
            payloadLength = lengthCode;
        }
        else if (lengthCode == 126)
        {
            headerLength += 2;
            if (to - from < headerLength)
            {
                return false;
            }
            payloadLength = ((bytes[from + 2] & 0xFF) << 8) | (bytes[from + 3] & 0xFF);
        }
        else
        {
            headerLength += 8;
            if (to - from < headerLength)
            {
                return false;
            }
            payloadLength = 0;
            for (int i = 0; i < 8; i++)
            {
                payloadLength = (payloadLength << 8) | (bytes[from + 2 + i] & 0xFF);
            }
        }
        if (to - from < headerLength)
        {
            return false;
        }
        into.fin = (b0 & 0x80) != 0;
        into.opcode = b0 & 0x0F;
        into.masked = masked;
        into.mask = masked ? readInt(bytes, from + headerLength - 4) : 0;
        into.headerLength = headerLength;
        into.payloadLength = payloadLength;
        return true;
    }

    /**
     * Unmasks (or masks: the same XOR) a payload in place.
     *
     * @param bytes  the bytes.
     * @param offset start of the payload.
     * @param length payload length.
     * @param mask   the masking key.
     */
    public static void unmask(final byte[] bytes, final int offset, final int length, final int mask)
    {
        for (int i = 0; i < length; i++)
        {
            bytes[offset + i] ^= (byte)(mask >>> (24 - 8 * (i & 3)));
        }
    }

    private static int readInt(final byte[] bytes, final int at)
    {
        return ((bytes[at] & 0xFF) << 24) | ((bytes[at + 1] & 0xFF) << 16) | ((bytes[at + 2] & 0xFF) << 8) | (bytes[at + 3] & 0xFF);
    }

    /** A decoded frame header; reused by its owner. */
    public static final class Header
    {
        /** The FIN bit. */
        public boolean fin;
        /** The opcode. */
        public int opcode;
        /** Whether the payload is masked (never, from a server). */
        public boolean masked;
        /** The masking key when {@link #masked}. */
        public int mask;
        /** Bytes of header, mask included. */
        public int headerLength;
        /** Bytes of payload. */
        public long payloadLength;
    }
}
