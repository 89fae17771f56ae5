package io.tern.engine.protocol;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

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
}
