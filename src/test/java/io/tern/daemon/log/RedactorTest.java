package io.tern.daemon.log;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

class RedactorTest
{
    private static final String JWT =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzZXJ2ZXJfdXVpZCI6IjhkM2YifQ.c2lnbmF0dXJlLWJ5dGVz";

    private final Redactor redactor = new Redactor();

    @Test
    void masksTokenQueryParameters()
    {
        assertEquals("GET /api/servers/abc/ws?token=[redacted] 101",
            redactor.redact("GET /api/servers/abc/ws?token=opaque-value 101"));
        assertEquals("/ws?a=1&token=[redacted]&b=2", redactor.redact("/ws?a=1&token=x.y.z&b=2"));
        assertEquals("/cb?access_token=[redacted]", redactor.redact("/cb?access_token=abc"));
        assertEquals("TOKEN=[redacted] done", redactor.redact("TOKEN=abc done"));
    }

    @Test
    void masksBearerCredentials()
    {
        assertEquals("Authorization: Bearer [redacted]", redactor.redact("Authorization: Bearer abc.def-ghi"));
        assertEquals("authorization: bearer [redacted], next", redactor.redact("authorization: bearer Zm9v+/=, next"));
    }

    @Test
    void masksAnythingShapedLikeAJwt()
    {
        final String line = redactor.redact("auth frame {\"event\":\"auth\",\"args\":[\"" + JWT + "\"]}");
        assertEquals("auth frame {\"event\":\"auth\",\"args\":[\"[redacted]\"]}", line);
    }

    @Test
    void masksJsonTokenFields()
    {
        assertEquals("{\"token\": \"[redacted]\", \"x\": 1}", redactor.redact("{\"token\": \"s3cr3t\", \"x\": 1}"));
        assertEquals("{\"access_token\":\"[redacted]\"}", redactor.redact("{\"access_token\":\"s3cr3t\"}"));
    }

    @Test
    void masksRegisteredSecretsWherever()
    {
        redactor.addSecret("node-secret-1234");
        assertEquals("key=[redacted]; again [redacted]", redactor.redact("key=node-secret-1234; again node-secret-1234"));
        redactor.addSecret("  ");
        redactor.addSecret(null);
        assertEquals("plain text", redactor.redact("plain text"));
    }

    @Test
    void leavesOrdinaryTextAlone()
    {
        final String text = "server 8d3f3e2a started in 1.2s; tokens: 3 issued, eyJ alone";
        assertEquals(text, redactor.redact(text));
        assertNull(redactor.redact(null));
        assertEquals("", redactor.redact(""));
    }

    @Test
    void neverLeavesATokenBehind()
    {
        final String line = redactor.redact("upgrade ?token=" + JWT + " header Bearer " + JWT);
        assertFalse(line.contains(JWT), line);
        assertFalse(line.contains("c2lnbmF0dXJlLWJ5dGVz"), line);
    }
}
