package io.tern.transport.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * A deliberately raw websocket client for end-to-end tests, on a plain {@link Socket}: it sends
 * any handshake (arbitrary or missing headers), shows non-101 answers as status, headers and
 * body, sends masked frames of any kind (optionally permessage-deflate compressed, RSV1 set),
 * and reads frames as they are on the wire, inflating compressed messages and decoding Close
 * codes. Unlike the JDK client it can negotiate permessage-deflate and send malformed or
 * oversize traffic.
 *
 * <p>Shared with other modules through the transport test-jar ({@code <type>test-jar</type>}).
 * It depends on nothing but the JDK. Not thread-safe: use it from one test thread. Every read
 * times out after {@link #timeoutMillis} so a broken server fails a test instead of hanging it.
 */
public final class RawWebSocketClient implements AutoCloseable
{
    /** Opcode of a continuation frame. */
    public static final int CONTINUATION = 0x0;
    /** Opcode of a text frame. */
    public static final int TEXT = 0x1;
    /** Opcode of a binary frame. */
    public static final int BINARY = 0x2;
    /** Opcode of a Close frame. */
    public static final int CLOSE = 0x8;
    /** Opcode of a Ping frame. */
    public static final int PING = 0x9;
    /** Opcode of a Pong frame. */
    public static final int PONG = 0xA;

    private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final byte[] DEFLATE_TAIL = {0, 0, (byte)0xFF, (byte)0xFF};

    private final String host;
    private final int port;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final Random random = new Random();
    private final int timeoutMillis;
    private boolean compression;

    /**
     * Connects with a 5 s read timeout.
     *
     * @param host server address, e.g. {@code 127.0.0.1}.
     * @param port server port.
     * @throws IOException when the connection fails.
     */
    public RawWebSocketClient(final String host, final int port) throws IOException
    {
        this(host, port, 5000);
    }

    /**
     * @param host          server address.
     * @param port          server port.
     * @param timeoutMillis how long any read waits.
     * @throws IOException when the connection fails.
     */
    public RawWebSocketClient(final String host, final int port, final int timeoutMillis) throws IOException
    {
        this(host, port, timeoutMillis, 0);
    }

    /**
     * @param host              server address.
     * @param port              server port.
     * @param timeoutMillis     how long any read waits.
     * @param receiveBufferSize the socket's receive buffer in bytes, set before connecting so a
     *                          client that stops reading stalls the server quickly; 0 = default.
     * @throws IOException when the connection fails.
     */
    public RawWebSocketClient(final String host, final int port, final int timeoutMillis, final int receiveBufferSize)
        throws IOException
    {
        this.host = host;
        this.port = port;
        this.timeoutMillis = timeoutMillis;
        this.socket = new Socket();
        if (receiveBufferSize > 0)
        {
            socket.setReceiveBufferSize(receiveBufferSize);
        }
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(host, port), timeoutMillis);
        socket.setSoTimeout(timeoutMillis);
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /**
     * @param nameValuePairs header names and values, alternating.
     * @return an ordered header map for {@link #request} and {@link #upgrade}.
     */
    public static Map<String, String> headers(final String... nameValuePairs)
    {
        if (nameValuePairs.length % 2 != 0)
        {
            throw new IllegalArgumentException("headers(...) takes name, value pairs; got an odd count");
        }
        final Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 0; i < nameValuePairs.length; i += 2)
        {
            headers.put(nameValuePairs[i], nameValuePairs[i + 1]);
        }
        return headers;
    }

    /**
     * Sends a websocket handshake: {@code GET target} with {@code Host}, {@code Upgrade: websocket},
     * {@code Connection: Upgrade}, a random {@code Sec-WebSocket-Key} and
     * {@code Sec-WebSocket-Version: 13}, then {@code extraHeaders}. An extra header replaces the
     * default of the same name (case-insensitive); a {@code null} value removes it. On a 101 the
     * {@code Sec-WebSocket-Accept} is checked and frames may follow; permessage-deflate is in use
     * when the answer's {@code Sec-WebSocket-Extensions} names it.
     *
     * @param target       path and query, e.g. {@code /api/servers/<uuid>/ws?token=…}.
     * @param extraHeaders further headers, e.g. {@code Origin}.
     * @return the server's answer.
     * @throws IOException on a socket error, or a 101 with a wrong accept value.
     */
    public HttpResponse upgrade(final String target, final Map<String, String> extraHeaders) throws IOException
    {
        final byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        final String key = Base64.getEncoder().encodeToString(nonce);
        final Map<String, String> headers = headers(
            "Upgrade", "websocket",
            "Connection", "Upgrade",
            "Sec-WebSocket-Key", key,
            "Sec-WebSocket-Version", "13");
        final HttpResponse response = request("GET", target, merge(headers, extraHeaders));
        if (response.status() == 101)
        {
            final String accept = response.header("Sec-WebSocket-Accept");
            final String sentKey = response.requestKey != null ? response.requestKey : key;
            if (!acceptFor(sentKey).equals(accept))
            {
                throw new IOException("101 with Sec-WebSocket-Accept '" + accept + "', expected '" + acceptFor(sentKey) + "'");
            }
            final String extensions = response.header("Sec-WebSocket-Extensions");
            compression = extensions != null && extensions.startsWith("permessage-deflate");
        }
        return response;
    }

    /**
     * Sends one HTTP/1.1 request without a body and reads the answer (for a 101, only its head).
     * A {@code Host} header is added unless given.
     *
     * @param method  e.g. {@code GET} or {@code OPTIONS}.
     * @param target  path and query.
     * @param headers request headers in order; {@code null} values are left out.
     * @return the answer.
     * @throws IOException on a socket error or a malformed answer.
     */
    public HttpResponse request(final String method, final String target, final Map<String, String> headers) throws IOException
    {
        final StringBuilder head = new StringBuilder().append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        boolean hasHost = false;
        String key = null;
        for (final Map.Entry<String, String> header : headers.entrySet())
        {
            if (header.getValue() == null)
            {
                continue;
            }
            hasHost |= header.getKey().equalsIgnoreCase("Host");
            if (header.getKey().equalsIgnoreCase("Sec-WebSocket-Key"))
            {
                key = header.getValue();
            }
            head.append(header.getKey()).append(": ").append(header.getValue()).append("\r\n");
        }
        if (!hasHost)
        {
            head.append("Host: ").append(host).append(':').append(port).append("\r\n");
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        final HttpResponse response = readResponse();
        response.requestKey = key;
        return response;
    }

    /**
     * @return whether the last 101 negotiated permessage-deflate.
     */
    public boolean compression()
    {
        return compression;
    }

    /**
     * Sends a text message in one frame, uncompressed.
     *
     * @param text the message.
     * @throws IOException on a socket error.
     */
    public void sendText(final String text) throws IOException
    {
        sendText(text, false);
    }

    /**
     * Sends a text message in one frame.
     *
     * @param text     the message.
     * @param compress deflate it and set RSV1 (meaningful only when permessage-deflate was negotiated).
     * @throws IOException on a socket error.
     */
    public void sendText(final String text, final boolean compress) throws IOException
    {
        final byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        sendFrame(true, compress, TEXT, compress ? deflate(utf8) : utf8);
    }

    /**
     * Sends a binary message in one frame, uncompressed.
     *
     * @param data the message.
     * @throws IOException on a socket error.
     */
    public void sendBinary(final byte[] data) throws IOException
    {
        sendFrame(true, false, BINARY, data);
    }

    /**
     * @param payload at most 125 bytes.
     * @throws IOException on a socket error.
     */
    public void sendPing(final byte[] payload) throws IOException
    {
        sendFrame(true, false, PING, payload);
    }

    /**
     * @param payload at most 125 bytes.
     * @throws IOException on a socket error.
     */
    public void sendPong(final byte[] payload) throws IOException
    {
        sendFrame(true, false, PONG, payload);
    }

    /**
     * Sends a Close frame with a code and a reason.
     *
     * @param code   close code.
     * @param reason close reason.
     * @throws IOException on a socket error.
     */
    public void sendClose(final int code, final String reason) throws IOException
    {
        final byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        final byte[] payload = new byte[2 + text.length];
        payload[0] = (byte)(code >>> 8);
        payload[1] = (byte)code;
        System.arraycopy(text, 0, payload, 2, text.length);
        sendFrame(true, false, CLOSE, payload);
    }

    /**
     * Sends one masked frame exactly as described.
     *
     * @param fin     the FIN bit.
     * @param rsv1    the RSV1 bit (permessage-deflate's "compressed").
     * @param opcode  the opcode.
     * @param payload the payload as it should appear on the wire (before masking).
     * @throws IOException on a socket error.
     */
    public void sendFrame(final boolean fin, final boolean rsv1, final int opcode, final byte[] payload) throws IOException
    {
        final ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | (opcode & 0x0F));
        if (payload.length < 126)
        {
            frame.write(0x80 | payload.length);
        }
        else if (payload.length <= 0xFFFF)
        {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length);
        }
        else
        {
            frame.write(0x80 | 127);
            final byte[] length = ByteBuffer.allocate(8).putLong(payload.length).array();
            frame.write(length, 0, 8);
        }
        final byte[] mask = new byte[4];
        random.nextBytes(mask);
        frame.write(mask, 0, 4);
        for (int i = 0; i < payload.length; i++)
        {
            frame.write(payload[i] ^ mask[i & 3]);
        }
        out.write(frame.toByteArray());
        out.flush();
    }

    /**
     * Writes bytes as they are, {@code chunk} bytes per write with a flush (and a millisecond's
     * pause) in between, so the server is likely to read a frame in pieces.
     *
     * @param bytes the bytes, e.g. a hand-built frame.
     * @param chunk bytes per write.
     * @throws IOException on a socket error.
     * @throws InterruptedException when interrupted between writes.
     */
    public void sendRaw(final byte[] bytes, final int chunk) throws IOException, InterruptedException
    {
        for (int i = 0; i < bytes.length; i += chunk)
        {
            out.write(bytes, i, Math.min(chunk, bytes.length - i));
            out.flush();
            if (i + chunk < bytes.length)
            {
                Thread.sleep(1);
            }
        }
    }

    /**
     * Builds a masked client frame.
     *
     * @param fin     the FIN bit.
     * @param opcode  the opcode.
     * @param payload the payload before masking.
     * @return the frame's bytes.
     */
    public static byte[] maskedFrame(final boolean fin, final int opcode, final byte[] payload)
    {
        final ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write((fin ? 0x80 : 0) | (opcode & 0x0F));
        if (payload.length < 126)
        {
            frame.write(0x80 | payload.length);
        }
        else
        {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length);
        }
        final byte[] mask = {0x11, 0x22, 0x33, 0x44};
        frame.write(mask, 0, 4);
        for (int i = 0; i < payload.length; i++)
        {
            frame.write(payload[i] ^ mask[i & 3]);
        }
        return frame.toByteArray();
    }

    /**
     * Compresses a message as permessage-deflate does: raw deflate, sync flush, the trailing
     * {@code 00 00 FF FF} removed.
     *
     * @param data the uncompressed message.
     * @return the frame payload.
     */
    public static byte[] deflate(final byte[] data)
    {
        final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        try
        {
            deflater.setInput(data);
            final ByteArrayOutputStream compressed = new ByteArrayOutputStream();
            final byte[] buffer = new byte[8192];
            int n;
            do
            {
                n = deflater.deflate(buffer, 0, buffer.length, Deflater.SYNC_FLUSH);
                compressed.write(buffer, 0, n);
            }
            while (n == buffer.length);
            final byte[] bytes = compressed.toByteArray();
            final int length = endsWith(bytes, DEFLATE_TAIL) ? bytes.length - DEFLATE_TAIL.length : bytes.length;
            final byte[] payload = new byte[length];
            System.arraycopy(bytes, 0, payload, 0, length);
            return payload;
        }
        finally
        {
            deflater.end();
        }
    }

    /**
     * Inflates a permessage-deflate message payload (the {@code 00 00 FF FF} tail is appended here).
     *
     * @param payload the compressed payload of a whole message.
     * @return the message.
     * @throws IOException when the payload is not valid deflate data.
     */
    public static byte[] inflate(final byte[] payload) throws IOException
    {
        final Inflater inflater = new Inflater(true);
        try
        {
            final byte[] input = new byte[payload.length + DEFLATE_TAIL.length];
            System.arraycopy(payload, 0, input, 0, payload.length);
            System.arraycopy(DEFLATE_TAIL, 0, input, payload.length, DEFLATE_TAIL.length);
            inflater.setInput(input);
            final ByteArrayOutputStream message = new ByteArrayOutputStream();
            final byte[] buffer = new byte[8192];
            while (!inflater.finished())
            {
                final int n = inflater.inflate(buffer);
                if (n == 0)
                {
                    break;
                }
                message.write(buffer, 0, n);
            }
            return message.toByteArray();
        }
        catch (final DataFormatException ex)
        {
            throw new IOException("server sent invalid deflate data: " + ex.getMessage(), ex);
        }
        finally
        {
            inflater.end();
        }
    }

    /**
     * Reads one frame as it is on the wire (payload unmasked, not inflated).
     *
     * @return the frame.
     * @throws IOException on timeout, EOF or a socket error.
     */
    public Frame readFrame() throws IOException
    {
        final int b0 = readByte();
        final int b1 = readByte();
        long length = b1 & 0x7F;
        if (length == 126)
        {
            length = (readByte() << 8) | readByte();
        }
        else if (length == 127)
        {
            length = ByteBuffer.wrap(readBytes(8)).getLong();
        }
        if (length > Integer.MAX_VALUE)
        {
            throw new IOException("frame of " + length + " bytes is too large for this client");
        }
        final byte[] mask = (b1 & 0x80) != 0 ? readBytes(4) : null;
        final byte[] payload = readBytes((int)length);
        if (mask != null)
        {
            for (int i = 0; i < payload.length; i++)
            {
                payload[i] ^= mask[i & 3];
            }
        }
        return new Frame((b0 & 0x80) != 0, (b0 & 0x40) != 0, b0 & 0x0F, payload, payload.length);
    }

    /**
     * Reads one message: a control frame as is, or a data message with its continuation frames
     * joined and, when its first frame has RSV1, inflated.
     *
     * @return the message; {@link Frame#wireLength()} is the sum of its payloads on the wire.
     * @throws IOException on timeout, EOF, a socket error or bad deflate data.
     */
    public Frame readMessage() throws IOException
    {
        final Frame first = readFrame();
        if (first.isControl() || first.fin())
        {
            return first.rsv1() ? first.inflated() : first;
        }
        final ByteArrayOutputStream payload = new ByteArrayOutputStream();
        payload.write(first.payload(), 0, first.payload().length);
        Frame next;
        do
        {
            next = readFrame();
            if (next.isControl())
            {
                throw new IOException("control frame " + next + " inside a fragmented message is not handled by this client");
            }
            payload.write(next.payload(), 0, next.payload().length);
        }
        while (!next.fin());
        final Frame joined = new Frame(true, first.rsv1(), first.opcode(), payload.toByteArray(), payload.size());
        return first.rsv1() ? joined.inflated() : joined;
    }

    /**
     * Reads the next text message, answering Pings and skipping Pongs on the way.
     *
     * @return the text.
     * @throws IOException on timeout, a socket error, or when anything else (a Close, a binary
     *                     message) arrives first.
     */
    public String readText() throws IOException
    {
        while (true)
        {
            final Frame message = readMessage();
            switch (message.opcode())
            {
                case TEXT:
                    return message.text();
                case PING:
                    sendPong(message.payload());
                    break;
                case PONG:
                    break;
                default:
                    throw new IOException("expected a text message, got " + message);
            }
        }
    }

    /**
     * Reads text messages until one whose {@code event} is {@code event}.
     *
     * @param event the event name, e.g. {@code stats}.
     * @return that message.
     * @throws IOException on timeout, a socket error or a non-text message.
     */
    public String readEvent(final String event) throws IOException
    {
        final String wanted = "\"event\":\"" + event + "\"";
        while (true)
        {
            final String text = readText();
            if (text.contains(wanted))
            {
                return text;
            }
        }
    }

    /**
     * Reads until a Close frame, skipping whatever comes before it.
     *
     * @return the Close frame.
     * @throws IOException on timeout, EOF first, or a socket error.
     */
    public Frame readClose() throws IOException
    {
        while (true)
        {
            final Frame frame = readMessage();
            if (frame.opcode() == CLOSE)
            {
                return frame;
            }
        }
    }

    /**
     * Reads and discards until the server closes the connection.
     *
     * @return true when the connection ended (EOF or reset) within the timeout, false on timeout.
     * @throws IOException on another socket error.
     */
    public boolean awaitEndOfStream() throws IOException
    {
        try
        {
            while (in.read() != -1)
            {
                continue;
            }
            return true;
        }
        catch (final SocketTimeoutException ex)
        {
            return false;
        }
        catch (final SocketException ex)
        {
            return true;
        }
    }

    /**
     * @return the read timeout in milliseconds.
     */
    public int timeoutMillis()
    {
        return timeoutMillis;
    }

    @Override
    public void close() throws IOException
    {
        socket.close();
    }

    private HttpResponse readResponse() throws IOException
    {
        final String statusLine = readLine();
        final String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/"))
        {
            throw new IOException("not an HTTP status line: '" + statusLine + "'");
        }
        final int status = Integer.parseInt(parts[1]);
        final Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        String line;
        while (!(line = readLine()).isEmpty())
        {
            final int colon = line.indexOf(':');
            if (colon < 0)
            {
                throw new IOException("malformed header line: '" + line + "'");
            }
            headers.computeIfAbsent(line.substring(0, colon).trim(), k -> new ArrayList<>()).add(line.substring(colon + 1).trim());
        }
        final HttpResponse response = new HttpResponse(statusLine, status, headers, "");
        if (status == 101 || status == 204 || status == 304 || status < 200)
        {
            return response;
        }
        final byte[] body;
        final String contentLength = response.header("Content-Length");
        final String transferEncoding = response.header("Transfer-Encoding");
        if (transferEncoding != null && transferEncoding.toLowerCase(Locale.ROOT).contains("chunked"))
        {
            body = readChunked();
        }
        else if (contentLength != null)
        {
            body = readBytes(Integer.parseInt(contentLength));
        }
        else if ("close".equalsIgnoreCase(response.header("Connection")))
        {
            body = in.readAllBytes();
        }
        else
        {
            body = new byte[0];
        }
        return new HttpResponse(statusLine, status, headers, new String(body, StandardCharsets.UTF_8));
    }

    private byte[] readChunked() throws IOException
    {
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true)
        {
            final String sizeLine = readLine();
            final int semicolon = sizeLine.indexOf(';');
            final int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
            if (size == 0)
            {
                while (!readLine().isEmpty())
                {
                    continue;
                }
                return body.toByteArray();
            }
            body.write(readBytes(size));
            readLine();
        }
    }

    private String readLine() throws IOException
    {
        final ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n')
        {
            if (b == -1)
            {
                throw new EOFException("connection closed in the middle of an HTTP head");
            }
            if (b != '\r')
            {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    private int readByte() throws IOException
    {
        final int b = in.read();
        if (b == -1)
        {
            throw new EOFException("connection closed by the server");
        }
        return b;
    }

    private byte[] readBytes(final int length) throws IOException
    {
        final byte[] bytes = in.readNBytes(length);
        if (bytes.length != length)
        {
            throw new EOFException("connection closed after " + bytes.length + " of " + length + " bytes");
        }
        return bytes;
    }

    private static Map<String, String> merge(final Map<String, String> defaults, final Map<String, String> extra)
    {
        final Map<String, String> merged = new LinkedHashMap<>(defaults);
        for (final Map.Entry<String, String> header : extra.entrySet())
        {
            merged.keySet().removeIf(name -> name.equalsIgnoreCase(header.getKey()));
            merged.put(header.getKey(), header.getValue());
        }
        return merged;
    }

    private static String acceptFor(final String key)
    {
        try
        {
            final MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            return Base64.getEncoder().encodeToString(sha1.digest((key + ACCEPT_GUID).getBytes(StandardCharsets.ISO_8859_1)));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("SHA-1 is missing from this JDK", ex);
        }
    }

    private static boolean endsWith(final byte[] bytes, final byte[] tail)
    {
        if (bytes.length < tail.length)
        {
            return false;
        }
        for (int i = 0; i < tail.length; i++)
        {
            if (bytes[bytes.length - tail.length + i] != tail[i])
            {
                return false;
            }
        }
        return true;
    }

    /** An HTTP answer: status line, headers (case-insensitive names) and body text. */
    public static final class HttpResponse
    {
        private final String statusLine;
        private final int status;
        private final Map<String, List<String>> headers;
        private final String body;
        private String requestKey;

        HttpResponse(final String statusLine, final int status, final Map<String, List<String>> headers, final String body)
        {
            this.statusLine = statusLine;
            this.status = status;
            this.headers = headers;
            this.body = body;
        }

        /**
         * @return e.g. {@code HTTP/1.1 404 Not Found}.
         */
        public String statusLine()
        {
            return statusLine;
        }

        /**
         * @return the status code.
         */
        public int status()
        {
            return status;
        }

        /**
         * @param name header name, any case.
         * @return the first value, or {@code null}.
         */
        public String header(final String name)
        {
            final List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        /**
         * @param name header name, any case.
         * @return every value of that header, in order (empty when absent).
         */
        public List<String> headers(final String name)
        {
            return Collections.unmodifiableList(headers.getOrDefault(name, List.of()));
        }

        /**
         * @return every header, names case-insensitive.
         */
        public Map<String, List<String>> headers()
        {
            return Collections.unmodifiableMap(headers);
        }

        /**
         * @return the body as UTF-8 text (empty for a 101, 204 or a body-less answer).
         */
        public String body()
        {
            return body;
        }

        @Override
        public String toString()
        {
            return statusLine + " " + headers + (body.isEmpty() ? "" : " " + body);
        }
    }

    /** One frame, or one reassembled message, as read from the server. */
    public static final class Frame
    {
        private final boolean fin;
        private final boolean rsv1;
        private final int opcode;
        private final byte[] payload;
        private final int wireLength;

        Frame(final boolean fin, final boolean rsv1, final int opcode, final byte[] payload, final int wireLength)
        {
            this.fin = fin;
            this.rsv1 = rsv1;
            this.opcode = opcode;
            this.payload = payload;
            this.wireLength = wireLength;
        }

        Frame inflated() throws IOException
        {
            return new Frame(fin, rsv1, opcode, inflate(payload), wireLength);
        }

        /**
         * @return the FIN bit.
         */
        public boolean fin()
        {
            return fin;
        }

        /**
         * @return the RSV1 bit of the (first) frame: the message was compressed.
         */
        public boolean rsv1()
        {
            return rsv1;
        }

        /**
         * @return the opcode, e.g. {@link #TEXT}.
         */
        public int opcode()
        {
            return opcode;
        }

        /**
         * @return the payload (inflated when read with {@link #readMessage()}).
         */
        public byte[] payload()
        {
            return payload.clone();
        }

        /**
         * @return payload bytes on the wire (compressed size for a compressed message).
         */
        public int wireLength()
        {
            return wireLength;
        }

        /**
         * @return whether this is a Close, Ping or Pong.
         */
        public boolean isControl()
        {
            return (opcode & 0x08) != 0;
        }

        /**
         * @return the payload as UTF-8.
         */
        public String text()
        {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /**
         * @return the code of a Close frame, or -1 when it has none.
         */
        public int closeCode()
        {
            return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : -1;
        }

        /**
         * @return the reason of a Close frame (empty when it has none).
         */
        public String closeReason()
        {
            return payload.length > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
        }

        @Override
        public String toString()
        {
            final String body = opcode == CLOSE ? "code=" + closeCode() + " reason='" + closeReason() + "'"
                : opcode == TEXT ? text() : payload.length + " bytes";
            return "Frame{opcode=" + opcode + (fin ? " FIN" : "") + (rsv1 ? " RSV1" : "") + " " + body + "}";
        }
    }
}
