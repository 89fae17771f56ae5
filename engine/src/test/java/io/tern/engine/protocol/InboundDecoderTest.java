package io.tern.engine.protocol;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InboundDecoderTest
{
    private final InboundDecoder decoder = new InboundDecoder();

    private boolean decode(final String json)
    {
        final byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return decoder.decode(bytes, bytes.length);
    }

    private String args()
    {
        return new String(decoder.argsBytes(), 0, decoder.argsLength(), StandardCharsets.UTF_8);
    }

    @Test
    void decodesEventAndConcatenatedArgs()
    {
        assertTrue(decode("{\"event\":\"send command\",\"args\":[\"say \",\"hi\"]}"));
        assertEquals(Events.IN_SEND_COMMAND, decoder.eventId());
        assertEquals("say hi", args());
    }

    @Test
    void resolvesEscapesInArgs()
    {
        assertTrue(decode("{\"event\":\"send command\",\"args\":[\"a\\\"b\\\\c\\n\\u00e9\\ud83d\\ude00\\/\"]}"));
        assertEquals("a\"b\\c\n\u00e9\ud83d\ude00/", args());
    }

    @Test
    void toleratesNullArgsMissingArgsAndNullElements()
    {
        assertTrue(decode("{\"event\":\"send logs\",\"args\":[null]}"));
        assertEquals("", args());
        assertTrue(decode("{\"event\":\"send logs\",\"args\":null}"));
        assertTrue(decode("{\"event\":\"send logs\"}"));
        assertEquals(Events.IN_SEND_LOGS, decoder.eventId());
    }

    @Test
    void matchesKeysCaseInsensitivelyAndSkipsUnknownKeys()
    {
        assertTrue(decode(" {\"Event\" : \"auth\", \"x\": {\"y\": [1, true]}, \"ARGS\": [\"t\"]} \n"));
        assertEquals(Events.IN_AUTH, decoder.eventId());
        assertEquals("t", args());
    }

    @Test
    void rejectsEverythingGoRejects()
    {
        assertFalse(decode("not json"));
        assertFalse(decode("{\"event\":\"auth\",\"args\":[1]}"));
        assertFalse(decode("{\"event\":\"auth\",\"args\":[{}]}"));
        assertFalse(decode("{\"event\":\"auth\",\"args\":\"t\"}"));
        assertFalse(decode("{\"event\":5}"));
        assertFalse(decode("{\"event\":\"auth\"} x"));
        assertFalse(decode("[\"auth\"]"));
        assertFalse(decode("{\"event\":\"auth\",\"args\":[\"\\q\"]}"));
        assertFalse(decode("{\"event\":\"auth\""));
    }

    @Test
    void unknownEventNamesAreKeptForThrottleNotices()
    {
        assertTrue(decode("{\"event\":\"feature\"}"));
        assertEquals(Events.IN_OTHER, decoder.eventId());
        assertEquals("feature", new String(decoder.eventName(), 0, decoder.eventNameLength(), StandardCharsets.UTF_8));
    }
}
