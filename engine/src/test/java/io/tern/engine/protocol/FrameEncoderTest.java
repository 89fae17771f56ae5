package io.tern.engine.protocol;

import org.junit.jupiter.api.Test;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FrameEncoderTest
{
    private final FrameEncoder encoder = new FrameEncoder(new FramePool(4));

    private String encode(final byte[] arg)
    {
        return encoder.encode("console output", arg, 0, arg.length, FrameKind.LINE).toString();
    }

    @Test
    void encodesLikeGoWithTrailingNewline()
    {
        assertEquals("{\"event\":\"console output\",\"args\":[\"hello\"]}\n", encode("hello".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void escapesQuotesBackslashesControlsAnsiAndHtmlCharacters()
    {
        final String line = "\u001b[33m\"a\\b\"\t<x>&\r\n\u0001";
        assertEquals("{\"event\":\"console output\",\"args\":[\"\\u001b[33m\\\"a\\\\b\\\"\\t\\u003cx\\u003e\\u0026\\r\\n\\u0001\"]}\n",
            encode(line.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void keepsValidUtf8AndEscapesLineSeparators()
    {
        assertEquals("{\"event\":\"console output\",\"args\":[\"h\u00e9 \u4e16 \ud83d\ude00 \\u2028\\u2029\"]}\n",
            encode("h\u00e9 \u4e16 \ud83d\ude00 \u2028\u2029".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void replacesInvalidUtf8WithReplacementCharacter()
    {
        final byte[] bad = {'a', (byte)0xC3, 'b', (byte)0xFF, (byte)0xED, (byte)0xA0, (byte)0x80, 'c', (byte)0xE4, (byte)0xB8};
        assertEquals("{\"event\":\"console output\",\"args\":[\"a\ufffdb\ufffd\ufffd\ufffd\ufffdc\ufffd\ufffd\"]}\n", encode(bad));
    }

    @Test
    void constantFramesWithoutArgsOmitTheArgsKey()
    {
        assertEquals("{\"event\":\"auth success\"}\n", FrameEncoder.constant("auth success", null, FrameKind.ESSENTIAL).toString());
    }

    @Test
    void pooledFramesAreReusedAfterRelease()
    {
        final FramePool pool = new FramePool(4);
        final FrameEncoder pooled = new FrameEncoder(pool);
        final Frame first = pooled.encode("stats", "{}", FrameKind.STATS);
        first.release();
        final Frame second = pooled.encode("stats", "{}", FrameKind.STATS);
        assertEquals(first, second);
    }

    @Test
    void wordAtATimeEscapingMatchesAByteAtATimeReferenceAtEveryOffsetAndLength()
    {
        final Random random = new Random(42);
        final FrameEncoder words = new FrameEncoder(new FramePool(4));
        for (int round = 0; round < 20_000; round++)
        {
            final byte[] arg = randomArg(random, random.nextInt(90));
            final int offset = random.nextInt(9);
            final byte[] padded = new byte[offset + arg.length + random.nextInt(9)];
            random.nextBytes(padded);
            System.arraycopy(arg, 0, padded, offset, arg.length);
            final String expected = "{\"event\":\"console output\",\"args\":[\"" + reference(arg) + "\"]}\n";
            final Frame fromArray = words.encode("console output", padded, offset, arg.length, FrameKind.LINE);
            assertEquals(expected, fromArray.toString(), () -> "arg bytes " + java.util.Arrays.toString(arg));
            fromArray.release();
            if (offset > 0)
            {
                final Frame wrapped = words.encode("console output", new UnsafeBuffer(padded, 1, padded.length - 1), offset - 1,
                    arg.length, FrameKind.LINE);
                assertEquals(expected, wrapped.toString());
                wrapped.release();
            }
        }
    }

    @Test
    void headersStayRightWhenManyEventNamesAlternate()
    {
        final String longName = "backup completed:" + "0b7e3d8a-1111-4222-8333-444455556666".repeat(3);
        final String[] events = {"console output", "stats", "status", "install output", "daemon message", "transfer logs", longName};
        for (int round = 0; round < 5; round++)
        {
            for (final String event : events)
            {
                final String unique = new String(event.toCharArray());
                for (final String name : new String[] {event, unique})
                {
                    final Frame frame = encoder.encode(name, "x\"y", FrameKind.ESSENTIAL);
                    assertEquals("{\"event\":\"" + event + "\",\"args\":[\"x\\\"y\"]}\n", frame.toString());
                    frame.release();
                }
            }
        }
    }

    private static byte[] randomArg(final Random random, final int pieces)
    {
        final String[] special = {"\"", "\\", "<", ">", "&", "\n", "\r", "\t", "\u001b", "\u0000", "\u007f", "\u00e9", "\u4e16",
            "\ud83d\ude00", "\u2028", "\u2029", "\u2027"};
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < pieces; i++)
        {
            final int pick = random.nextInt(100);
            if (pick < 60)
            {
                out.write(0x20 + random.nextInt(0x5F));
            }
            else if (pick < 90)
            {
                out.writeBytes(special[random.nextInt(special.length)].getBytes(StandardCharsets.UTF_8));
            }
            else
            {
                out.write(0x80 + random.nextInt(0x80));
            }
        }
        return out.toByteArray();
    }

    /** The escaping rules one byte at a time, as the class comment states them (Go's encoder). */
    private static String reference(final byte[] in)
    {
        final StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < in.length)
        {
            final int b = in[i] & 0xFF;
            if (b < 0x80)
            {
                switch (b)
                {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    default -> out.append(b < 0x20 || b == '<' || b == '>' || b == '&' ? String.format("\\u%04x", b) : String.valueOf((char)b));
                }
                i++;
                continue;
            }
            final int length = b >= 0xC2 && b <= 0xDF ? 2 : b >= 0xE0 && b <= 0xEF ? 3 : b >= 0xF0 && b <= 0xF4 ? 4 : 0;
            final int codePoint = length == 0 || i + length > in.length ? -1 : decode(in, i, length);
            if (codePoint < 0)
            {
                out.append('\ufffd');
                i++;
            }
            else
            {
                out.append(codePoint == 0x2028 ? "\\u2028" : codePoint == 0x2029 ? "\\u2029" : new String(Character.toChars(codePoint)));
                i += length;
            }
        }
        return out.toString();
    }

    /** @return the code point of a well-formed sequence (shortest form, no surrogates, at most U+10FFFF), else -1. */
    private static int decode(final byte[] in, final int at, final int length)
    {
        int codePoint = (in[at] & 0xFF) & (0xFF >> (length + 1));
        for (int k = 1; k < length; k++)
        {
            if ((in[at + k] & 0xC0) != 0x80)
            {
                return -1;
            }
            codePoint = codePoint << 6 | (in[at + k] & 0x3F);
        }
        final int minimum = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
        if (codePoint < minimum || codePoint > 0x10FFFF || codePoint >= 0xD800 && codePoint <= 0xDFFF)
        {
            return -1;
        }
        return codePoint;
    }

    @Test
    void statsFramesWrittenPreEscapedMatchTheEscapedJsonByteForByte()
    {
        final Random random = new Random(7);
        final io.tern.engine.server.ResourceUsage usage = new io.tern.engine.server.ResourceUsage();
        final UnsafeBuffer json = new UnsafeBuffer(new byte[io.tern.engine.server.ResourceUsage.MAX_JSON_LENGTH]);
        final long[] edges = {0, 1, 9, 10, 99, 100, 999_999, Long.MAX_VALUE, -1, Long.MIN_VALUE};
        for (int n = 0; n < 5_000; n++)
        {
            usage.memoryBytes = n < edges.length ? edges[n] : random.nextLong() >>> random.nextInt(64);
            usage.memoryLimitBytes = random.nextInt(3) == 0 ? 0 : random.nextLong() >>> random.nextInt(64);
            usage.cpuAbsolute = n % 7 == 0 ? Double.NaN : n % 11 == 0 ? -3 : random.nextDouble() * Math.pow(10, random.nextInt(6));
            usage.networkRxBytes = random.nextInt(1000);
            usage.networkTxBytes = random.nextLong() >>> random.nextInt(64);
            usage.diskReadBytes = random.nextLong() >>> random.nextInt(64);
            usage.diskWriteBytes = random.nextInt(10);
            usage.uptimeMillis = random.nextLong() >>> random.nextInt(64);
            usage.diskBytes = n < edges.length ? edges[edges.length - 1 - n] : random.nextLong() >>> random.nextInt(64);
            usage.state = io.tern.engine.server.ServerState.values()[n % io.tern.engine.server.ServerState.values().length];
            final int length = usage.writeJson(json, 0);

            final Frame escaped = encoder.encode(Events.STATS, json, 0, length, FrameKind.STATS);
            final String expected = escaped.toString();
            escaped.release();
            final Frame direct = encoder.encodeStats(usage, FrameKind.STATS);

            assertEquals(expected, direct.toString(), "sample " + n);
            direct.release();
        }
    }
}
