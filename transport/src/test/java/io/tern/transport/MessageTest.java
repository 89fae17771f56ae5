package io.tern.transport;

import io.tern.transport.testing.RawWebSocketClient;
import io.tern.transport.testing.RawWebSocketClient.Frame;
import io.tern.transport.testing.RawWebSocketClient.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static io.tern.transport.TransportFixture.REMOTE;
import static io.tern.transport.TransportFixture.path;
import static io.tern.transport.testing.RawWebSocketClient.headers;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Frames on an upgraded connection: permessage-deflate, the read limits, message kinds, control
 * frames and closes (PROTOCOL.md §1.2 item 6, §1.3, §1.4, §1.5, Part I.3 item 6).
 */
class MessageTest
{
    private static final String SEND_STATS = "{\"event\":\"send stats\",\"args\":[null]}";
    /** Answered with an error frame when it reaches the engine, so its absence is visible. */
    private static final String BAD_AUTH = "{\"event\":\"auth\",\"args\":[\"not-a-jwt\"]}";
    private static final String BROWSER_OFFER = "permessage-deflate; client_max_window_bits";

    private TransportFixture fixture;

    @AfterEach
    void stop()
    {
        if (fixture != null)
        {
            fixture.close();
        }
    }

    private static void authenticate(final RawWebSocketClient client, final boolean compress) throws Exception
    {
        client.sendText("{\"event\":\"auth\",\"args\":[\"" + TransportFixture.token() + "\"]}", compress);
        assertEquals("{\"event\":\"auth success\"}", client.readText().strip());
        client.readEvent("stats");
    }

    /** Random printable characters that deflate cannot shrink much and JSON encodes as themselves. */
    private static String incompressible(final int length)
    {
        final Random random = new Random(42);
        final char[] chars = new char[length];
        for (int i = 0; i < length; i++)
        {
            chars[i] = (char)('!' + random.nextInt(90));
            if ("\"\\<>&".indexOf(chars[i]) >= 0)
            {
                chars[i] = 'x';
            }
        }
        return new String(chars);
    }

    @Test
    void answersAPermessageDeflateOfferWithTheExactPelicanParameters() throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient bare = fixture.client();
             RawWebSocketClient browser = fixture.client();
             RawWebSocketClient twice = fixture.client())
        {
            final HttpResponse bareOffer = bare.upgrade(path(), headers("Origin", REMOTE, "Sec-WebSocket-Extensions", "permessage-deflate"));
            final HttpResponse browserOffer = browser.upgrade(path(), headers("Origin", REMOTE, "Sec-WebSocket-Extensions", BROWSER_OFFER));
            final HttpResponse twoOffers = twice.upgrade(path(), headers("Origin", REMOTE,
                "Sec-WebSocket-Extensions", "permessage-deflate; server_max_window_bits=10, permessage-deflate"));

            for (final HttpResponse response : new HttpResponse[] {bareOffer, browserOffer, twoOffers})
            {
                assertEquals(101, response.status(), response.toString());
                assertEquals(
                    "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
                    response.header("Sec-WebSocket-Extensions"));
                assertEquals(1, response.headers("Sec-WebSocket-Extensions").size());
            }
        }
    }

    @Test
    void findsPermessageDeflateAmongOtherOffersAndIgnoresOthersAlone() throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient mixed = fixture.client();
             RawWebSocketClient other = fixture.client())
        {
            final HttpResponse second = mixed.upgrade(path(), headers("Origin", REMOTE,
                "Sec-WebSocket-Extensions", "x-webkit-deflate-frame, permessage-deflate; client_max_window_bits"));
            final HttpResponse none = other.upgrade(path(), headers("Origin", REMOTE,
                "Sec-WebSocket-Extensions", "x-webkit-deflate-frame; permessage-deflate"));

            assertEquals(101, second.status(), second.toString());
            assertEquals("permessage-deflate; server_no_context_takeover; client_no_context_takeover",
                second.header("Sec-WebSocket-Extensions"));
            assertTrue(mixed.compression());
            assertEquals(101, none.status(), none.toString());
            assertNull(none.header("Sec-WebSocket-Extensions"), "permessage-deflate as a parameter is no offer");
            authenticate(other, false);
        }
    }

    @Test
    void negotiatesNoExtensionWhenCompressionIsOff() throws Exception
    {
        fixture = new TransportFixture(options -> options.compression = false);
        try (RawWebSocketClient client = fixture.client())
        {
            final HttpResponse response = client.upgrade(path(), headers("Origin", REMOTE, "Sec-WebSocket-Extensions", BROWSER_OFFER));

            assertEquals(101, response.status());
            assertNull(response.header("Sec-WebSocket-Extensions"));
            authenticate(client, false);
            client.sendText(SEND_STATS);
            final Frame stats = client.readMessage();
            assertFalse(stats.rsv1());
            assertTrue(stats.text().startsWith("{\"event\":\"stats\""));
        }
    }

    @Test
    void compressesEveryFrameAndInflatesCompressedMessages() throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient client = fixture.connect(path(), "Sec-WebSocket-Extensions", BROWSER_OFFER))
        {
            assertTrue(client.compression());
            client.sendText("{\"event\":\"auth\",\"args\":[\"" + TransportFixture.token() + "\"]}", true);

            final Frame authSuccess = client.readMessage();
            assertTrue(authSuccess.rsv1(), "server frames carry RSV1");
            assertEquals("{\"event\":\"auth success\"}\n", authSuccess.text());
            final Frame status = client.readMessage();
            assertTrue(status.rsv1());
            assertEquals("{\"event\":\"status\",\"args\":[\"offline\"]}\n", status.text());
            final Frame stats = client.readMessage();
            assertTrue(stats.rsv1());
            assertTrue(stats.text().matches("\\{\"event\":\"stats\",\"args\":\\[\"\\{.*}\"]}\n"), stats.text());

            client.sendText(SEND_STATS, true);
            final Frame reply = client.readMessage();
            assertTrue(reply.rsv1());
            assertTrue(reply.text().startsWith("{\"event\":\"stats\""), reply.text());
            assertTrue(reply.wireLength() < reply.text().length(), "the stats reply is smaller on the wire");

            client.sendText(SEND_STATS, false);
            assertTrue(client.readEvent("stats").startsWith("{\"event\":\"stats\""), "uncompressed messages still work");
        }
    }

    @Test
    void compressesLargeFramesThatSpanSeveralBuffers() throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient client = fixture.connect(path(), "Sec-WebSocket-Extensions", BROWSER_OFFER))
        {
            authenticate(client, true);
            final String line = incompressible(20_000);

            fixture.channel.publishConsole(line.getBytes(StandardCharsets.UTF_8), 0, line.length());

            final Frame console = client.readMessage();
            assertTrue(console.rsv1());
            assertEquals("{\"event\":\"console output\",\"args\":[\"" + line + "\"]}\n", console.text());
        }
    }

    @Test
    void deliversManyFramesInOrderToPlainAndCompressedSessions() throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient plain = fixture.connect(path());
             RawWebSocketClient compressed = fixture.connect(path(), "Sec-WebSocket-Extensions", BROWSER_OFFER))
        {
            authenticate(plain, false);
            authenticate(compressed, true);

            for (int i = 0; i < 500; i++)
            {
                final byte[] line = ("line " + i + " " + "=".repeat(i % 97)).getBytes(StandardCharsets.UTF_8);
                fixture.channel.publishConsole(line, 0, line.length);
            }

            for (final RawWebSocketClient client : new RawWebSocketClient[] {plain, compressed})
            {
                for (int i = 0; i < 500; i++)
                {
                    final String expected = "{\"event\":\"console output\",\"args\":[\"line " + i + " " + "=".repeat(i % 97) + "\"]}";
                    assertEquals(expected, client.readEvent("console output").strip());
                }
            }
        }
    }

    @Test
    void deliversTextMessagesToTheEngine() throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient client = fixture.connect(path()))
        {
            authenticate(client, false);

            client.sendText(SEND_STATS);

            assertTrue(client.readEvent("stats").startsWith("{\"event\":\"stats\",\"args\":[\"{"));
        }
    }

    @Test
    void deliversAMessageSplitOverContinuationFrames() throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient client = fixture.connect(path()))
        {
            authenticate(client, false);
            final byte[] message = SEND_STATS.getBytes(StandardCharsets.UTF_8);

            client.sendFrame(false, false, RawWebSocketClient.TEXT, Arrays.copyOfRange(message, 0, 10));
            client.sendFrame(false, false, RawWebSocketClient.CONTINUATION, Arrays.copyOfRange(message, 10, 20));
            client.sendFrame(true, false, RawWebSocketClient.CONTINUATION, Arrays.copyOfRange(message, 20, message.length));

            client.readEvent("stats");
        }
    }

    @Test
    void inflatesACompressedMessageSplitOverContinuationFrames() throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient client = fixture.connect(path(), "Sec-WebSocket-Extensions", BROWSER_OFFER))
        {
            authenticate(client, true);
            final String padded = "{\"event\":\"send stats\",\"args\":[null],\"pad\":\"" + incompressible(3000) + "\"}";
            final byte[] payload = RawWebSocketClient.deflate(padded.getBytes(StandardCharsets.UTF_8));

            client.sendFrame(false, true, RawWebSocketClient.TEXT, Arrays.copyOfRange(payload, 0, 1000));
            client.sendFrame(false, false, RawWebSocketClient.CONTINUATION, Arrays.copyOfRange(payload, 1000, 2000));
            client.sendFrame(true, false, RawWebSocketClient.CONTINUATION, Arrays.copyOfRange(payload, 2000, payload.length));

            client.readEvent("stats");
            client.sendText(SEND_STATS, true);
            client.readEvent("stats");
        }
    }

    @Test
    void closesWith1009WhenAnUncompressedMessageExceeds4096Bytes() throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient client = fixture.connect(path()))
        {
            client.sendText("x".repeat(5000));

            final Frame close = client.readClose();
            assertEquals(1009, close.closeCode());
            assertEquals(0, close.payload().length - 2, "empty reason");
            assertTrue(client.awaitEndOfStream(), "the server closes TCP after the Close frame");
        }
        TransportFixture.await("slot released", () -> fixture.handle().connections() == 0);
    }

    @Test
    void acceptsAnUncompressedMessageOfExactly4096Bytes() throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient client = fixture.connect(path()))
        {
            authenticate(client, false);
            final String prefix = "{\"event\":\"send stats\",\"args\":[null],\"pad\":\"";
            final String padded = prefix + "p".repeat(4096 - prefix.length() - 2) + "\"}";
            assertEquals(4096, padded.length());

            client.sendText(padded);

            client.readEvent("stats");
        }
    }

    @Test
    void closesWith1009WhenACompressedMessageExceeds4096WireBytes() throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient client = fixture.connect(path(), "Sec-WebSocket-Extensions", BROWSER_OFFER))
        {
            final String noise = "{\"event\":\"send stats\",\"args\":[null],\"pad\":\"" + incompressible(6000) + "\"}";
            assertTrue(RawWebSocketClient.deflate(noise.getBytes(StandardCharsets.UTF_8)).length > 4096);

            client.sendText(noise, true);

            final Frame close = client.readClose();
            assertEquals(1009, close.closeCode());
            assertEquals("", close.closeReason());
            assertTrue(client.awaitEndOfStream());
        }
    }

    @Test
    void deliversACompressedMessageThatInflatesPast4096Bytes() throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient client = fixture.connect(path(), "Sec-WebSocket-Extensions", BROWSER_OFFER))
        {
            authenticate(client, true);
            final String padded = "{\"event\":\"send stats\",\"args\":[null],\"pad\":\"" + " ".repeat(20_000) + "\"}";

            client.sendText(padded, true);

            client.readEvent("stats");
        }
    }

    @Test
    void dropsACompressedMessageThatInflatesPast32768BytesAndStaysOpen() throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient client = fixture.connect(path(), "Sec-WebSocket-Extensions", BROWSER_OFFER))
        {
            authenticate(client, true);
            final String bomb = BAD_AUTH.replace("}", ",\"pad\":\"" + " ".repeat(1_000_000) + "\"}");
            final byte[] payload = RawWebSocketClient.deflate(bomb.getBytes(StandardCharsets.UTF_8));
            assertTrue(payload.length <= 4096, "a megabyte of spaces deflates to " + payload.length + " bytes");

            client.sendFrame(true, true, RawWebSocketClient.TEXT, payload);
            client.sendText(SEND_STATS, true);

            final String next = client.readText();
            assertTrue(next.startsWith("{\"event\":\"stats\""), "the oversize message got no answer, got " + next);
            client.sendText(BAD_AUTH, true);
            assertTrue(client.readText().contains("error"), "the same message under the limit is answered");
        }
    }

    @Test
    void ignoresBinaryMessages() throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient client = fixture.connect(path()))
        {
            authenticate(client, false);

            client.sendBinary(BAD_AUTH.getBytes(StandardCharsets.UTF_8));
            client.sendText(SEND_STATS);

            final String next = client.readText();
            assertTrue(next.startsWith("{\"event\":\"stats\""), "the binary message got no answer, got " + next);
            client.sendText(BAD_AUTH);
            assertTrue(client.readText().contains("error"), "the same message as text is answered");
        }
    }

    @Test
    void ignoresCompressedBinaryMessages() throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient client = fixture.connect(path(), "Sec-WebSocket-Extensions", BROWSER_OFFER))
        {
            authenticate(client, true);

            client.sendFrame(true, true, RawWebSocketClient.BINARY, RawWebSocketClient.deflate(BAD_AUTH.getBytes(StandardCharsets.UTF_8)));
            client.sendText(SEND_STATS, true);

            final String next = client.readText();
            assertTrue(next.startsWith("{\"event\":\"stats\""), "the binary message got no answer, got " + next);
        }
    }

    @Test
    void answersPingWithPong() throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient client = fixture.connect(path()))
        {
            client.sendPing(new byte[] {1, 2, 3});

            final Frame pong = client.readMessage();
            assertEquals(RawWebSocketClient.PONG, pong.opcode());
            assertArrayEquals(new byte[] {1, 2, 3}, pong.payload());
        }
    }

    @Test
    void pingsThePeerAndKeepsItWhileItAnswers() throws Exception
    {
        fixture = new TransportFixture(options -> { }, config ->
        {
            config.pingIntervalMillis = 50;
            config.pongTimeoutMillis = 400;
            config.tickIntervalMillis = 10;
        });
        try (RawWebSocketClient client = fixture.connect(path()))
        {
            authenticate(client, false);
            int pings = 0;
            final long until = System.nanoTime() + 800_000_000L;
            while (System.nanoTime() < until)
            {
                final Frame frame = client.readMessage();
                if (frame.opcode() == RawWebSocketClient.PING)
                {
                    pings++;
                    client.sendPong(frame.payload());
                }
            }

            assertTrue(pings >= 5, "pinged " + pings + " times in 800 ms");
            client.sendText(SEND_STATS);
            client.readEvent("stats");
        }
    }

    @Test
    void closesAPeerThatDoesNotAnswerPings() throws Exception
    {
        fixture = new TransportFixture(options -> { }, config ->
        {
            config.pingIntervalMillis = 50;
            config.pongTimeoutMillis = 300;
            config.tickIntervalMillis = 10;
        });
        try (RawWebSocketClient client = fixture.connect(path()))
        {
            final Frame close = client.readClose();

            assertEquals(1001, close.closeCode());
            assertEquals("ping timeout", close.closeReason());
            assertTrue(client.awaitEndOfStream());
        }
        TransportFixture.await("slot released", () -> fixture.handle().connections() == 0);
    }

    /** A deviation from gorilla, which never validates text: Undertow enforces RFC 6455 §8.1. */
    @Test
    void closesWith1007OnTextThatIsNotUtf8() throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient client = fixture.connect(path()))
        {
            client.sendFrame(true, false, RawWebSocketClient.TEXT, new byte[] {'{', (byte)0xFF, (byte)0xFE, '}'});

            assertEquals(1007, client.readClose().closeCode());
            assertTrue(client.awaitEndOfStream());
        }
        TransportFixture.await("slot released", () -> fixture.handle().connections() == 0);
    }

    @Test
    void echoesTheClientCloseCodeAndReportsTheEndOnce() throws Exception
    {
        fixture = new TransportFixture();
        try (RawWebSocketClient client = fixture.connect(path()))
        {
            assertEquals(1, fixture.handle().connections());

            client.sendClose(1000, "bye");

            final Frame echo = client.readMessage();
            assertEquals(RawWebSocketClient.CLOSE, echo.opcode());
            assertEquals(1000, echo.closeCode());
            assertEquals("", echo.closeReason());
            assertTrue(client.awaitEndOfStream());
        }
        TransportFixture.await("slot released", () -> fixture.handle().connections() == 0);
        TransportFixture.await("channel forgotten", () -> fixture.server.openConnections() == 0);
    }
}
