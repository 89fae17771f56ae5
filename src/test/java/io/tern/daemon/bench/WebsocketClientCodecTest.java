package io.tern.daemon.bench;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WebsocketClientCodecTest
{
    @Test
    void acceptKeyIsTheRfcExample()
    {
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WebsocketClientCodec.acceptFor("dGhlIHNhbXBsZSBub25jZQ=="));
    }

    @Test
    void checksTheResponseHead()
    {
        final String key = "dGhlIHNhbXBsZSBub25jZQ==";
        assertNull(WebsocketClientCodec.checkResponse(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nsec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", key));
        assertEquals("HTTP/1.1 400 Bad Request", WebsocketClientCodec.checkResponse("HTTP/1.1 400 Bad Request\r\n\r\n", key));
        assertTrue(WebsocketClientCodec.checkResponse("HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: x\r\n\r\n", key)
            .startsWith("wrong"));
        final byte[] head = "HTTP/1.1 101 OK\r\nA: b\r\n\r\n\u0081\u0002hi".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(head.length - 4, WebsocketClientCodec.headEnd(head, 0, head.length));
        assertEquals(-1, WebsocketClientCodec.headEnd(head, 0, 20));
    }

    @Test
    void theRfcMaskedHelloExample()
    {
        // RFC 6455 §5.7: a single-frame masked text message "Hello", mask 37 fa 21 3d
        final ByteBuffer out = ByteBuffer.allocate(32);
        WebsocketClientCodec.writeMaskedFrame(WebsocketClientCodec.TEXT, "Hello".getBytes(StandardCharsets.US_ASCII), 0, 5,
            0x37fa213d, out);
        final byte[] expected = {(byte)0x81, (byte)0x85, 0x37, (byte)0xfa, 0x21, 0x3d, 0x7f, (byte)0x9f, 0x4d, 0x51, 0x58};
        assertArrayEquals(expected, Arrays.copyOf(out.array(), out.position()));
    }

    @Test
    void lengthsAroundTheEncodingBoundariesRoundTrip()
    {
        final Random random = new Random(42);
        for (final int length : new int[] {0, 1, 125, 126, 127, 65535, 65536, 70000})
        {
            final byte[] payload = new byte[length];
            random.nextBytes(payload);
            final int mask = random.nextInt();
            final ByteBuffer out = ByteBuffer.allocate(length + WebsocketClientCodec.MAX_CLIENT_HEADER);
            WebsocketClientCodec.writeMaskedFrame(WebsocketClientCodec.BINARY, payload, 0, length, mask, out);
            final int expectedHeader = length < 126 ? 6 : length < 65536 ? 8 : 14;
            assertEquals(expectedHeader + length, out.position(), "frame size for " + length);
            final byte[] frame = Arrays.copyOf(out.array(), out.position());
            assertEquals(length < 126 ? length : length < 65536 ? 126 : 127, frame[1] & 0x7F, "length code for " + length);
            assertTrue((frame[1] & 0x80) != 0, "mask bit");

            final WebsocketClientCodec.Header header = new WebsocketClientCodec.Header();
            assertFalse(WebsocketClientCodec.readHeader(frame, 0, expectedHeader - 1, header), "incomplete header");
            assertTrue(WebsocketClientCodec.readHeader(frame, 0, frame.length, header));
            assertTrue(header.fin);
            assertTrue(header.masked);
            assertEquals(WebsocketClientCodec.BINARY, header.opcode);
            assertEquals(mask, header.mask);
            assertEquals(expectedHeader, header.headerLength);
            assertEquals(length, header.payloadLength);
            if (length > 0)
            {
                final byte[] masked = Arrays.copyOfRange(frame, expectedHeader, frame.length);
                if (length > 8)
                {
                    assertFalse(Arrays.equals(payload, masked), "payload is masked");
                }
                WebsocketClientCodec.unmask(frame, expectedHeader, length, mask);
                assertArrayEquals(payload, Arrays.copyOfRange(frame, expectedHeader, frame.length));
            }
        }
    }

    @Test
    void readsUnmaskedServerFrames()
    {
        final byte[] small = {(byte)0x81, 0x03, 'a', 'b', 'c'};
        final WebsocketClientCodec.Header header = new WebsocketClientCodec.Header();
        assertTrue(WebsocketClientCodec.readHeader(small, 0, small.length, header));
        assertFalse(header.masked);
        assertEquals(2, header.headerLength);
        assertEquals(3, header.payloadLength);
        final byte[] medium = {(byte)0x89, 126, 0x01, 0x00};
        assertTrue(WebsocketClientCodec.readHeader(medium, 0, medium.length, header));
        assertEquals(WebsocketClientCodec.PING, header.opcode);
        assertEquals(4, header.headerLength);
        assertEquals(256, header.payloadLength);
        final byte[] large = {(byte)0x01, 127, 0, 0, 0, 0, 0, 1, 0, 0};
        assertFalse(WebsocketClientCodec.readHeader(large, 0, 9, header));
        assertTrue(WebsocketClientCodec.readHeader(large, 0, large.length, header));
        assertFalse(header.fin);
        assertEquals(10, header.headerLength);
        assertEquals(65536, header.payloadLength);
    }
}
