using System.Text.Json.Nodes;
using Xunit;

namespace Threadline.Tests.Infrastructure;

/// <summary>The spec validator itself: it must pass what the spec allows and fail drift, saying where and why.</summary>
public sealed class SpecSchemasTests
{
    private const string ValidRun = """
        {
          "id": "run_abc123", "object": "thread.run", "created_at": 1698107661,
          "thread_id": "thread_abc123", "assistant_id": "asst_abc123",
          "status": "requires_action",
          "required_action": {
            "type": "submit_tool_outputs",
            "submit_tool_outputs": { "tool_calls": [
              { "id": "call_abc123", "type": "function",
                "function": { "name": "get_weather", "arguments": "{\"city\":\"Paris\"}" } } ] }
          },
          "last_error": null, "expires_at": 1698108261, "started_at": 1698107662,
          "cancelled_at": null, "failed_at": null, "completed_at": null, "incomplete_details": null,
          "model": "echo", "instructions": "Be brief.",
          "tools": [
            { "type": "function", "function": { "name": "get_weather", "description": "Weather by city",
              "parameters": { "type": "object", "properties": { "city": { "type": "string" } } }, "strict": null } },
            { "type": "code_interpreter" }
          ],
          "metadata": { "user": "42" },
          "usage": null,
          "temperature": 1.0, "top_p": 1,
          "max_prompt_tokens": null, "max_completion_tokens": 1000,
          "truncation_strategy": { "type": "auto", "last_messages": null },
          "tool_choice": "auto",
          "parallel_tool_calls": true,
          "response_format": "auto"
        }
        """;

    private const string ValidMessage = """
        {
          "id": "msg_abc123", "object": "thread.message", "created_at": 1698983503,
          "thread_id": "thread_abc123", "status": "completed", "incomplete_details": null,
          "completed_at": 1698983504, "incomplete_at": null, "role": "assistant",
          "content": [
            { "type": "text", "text": { "value": "See the manual [1].", "annotations": [
              { "type": "file_citation", "text": "[1]", "file_citation": { "file_id": "file_abc" },
                "start_index": 15, "end_index": 18 } ] } }
          ],
          "assistant_id": "asst_abc123", "run_id": "run_abc123", "attachments": [], "metadata": {}
        }
        """;

    // ---- the spec's own examples ---------------------------------------------------

    [Fact]
    public void TheAssistantObjectExampleOfTheSpecIsValid() =>
        SpecSchemas.AssertValid("AssistantObject", SpecSchemas.Example("AssistantObject"));

    [Theory]
    [InlineData("ThreadObject", "$.tool_resources")]
    [InlineData("MessageObject", "$.status", "$.incomplete_details", "$.completed_at", "$.incomplete_at")]
    [InlineData("RunObject", "$.required_action", "$.instructions")]
    [InlineData("RunStepObject", "$.metadata")]
    public void SpecExamplesThatLagTheirSchemaReportExactlyTheirGaps(string schemaName, params string[] expectedPaths)
    {
        var violations = SpecSchemas.Validate(schemaName, SpecSchemas.Example(schemaName));

        Assert.Equal(expectedPaths.Order(), violations.Select(v => v.Path).Order());
        Assert.All(violations, v => Assert.Matches("required property is missing|expected string, got null", v.Message));
    }

    [Theory]
    [InlineData("ThreadObject", """{ "tool_resources": null }""")]
    [InlineData("MessageObject", """{ "status": "completed", "incomplete_details": null, "completed_at": 1698983504, "incomplete_at": null }""")]
    [InlineData("RunObject", """{ "required_action": null, "instructions": "You are a helpful assistant." }""")]
    [InlineData("RunStepObject", """{ "metadata": {} }""")]
    public void SpecExamplesWithTheirGapsFilledAreValid(string schemaName, string fill)
    {
        var example = SpecSchemas.Example(schemaName)!.AsObject();
        foreach (var (name, value) in JsonNode.Parse(fill)!.AsObject())
        {
            example[name] = value?.DeepClone();
        }

        SpecSchemas.AssertValid(schemaName, example);
    }

    // ---- hand-written valid objects ------------------------------------------------

    [Fact]
    public void ARunWaitingForToolOutputsIsValid() => SpecSchemas.AssertValid("RunObject", ValidRun);

    [Fact]
    public void AMessageWithACitationIsValid() => SpecSchemas.AssertValid("MessageObject", ValidMessage);

    [Fact]
    public void AToolCallsRunStepIsValid() => SpecSchemas.AssertValid("RunStepObject", """
        {
          "id": "step_abc123", "object": "thread.run.step", "created_at": 1699063291,
          "assistant_id": "asst_abc123", "thread_id": "thread_abc123", "run_id": "run_abc123",
          "type": "tool_calls", "status": "completed",
          "step_details": { "type": "tool_calls", "tool_calls": [
            { "id": "call_abc123", "type": "function",
              "function": { "name": "get_weather", "arguments": "{}", "output": "sunny" } } ] },
          "last_error": null, "expired_at": null, "cancelled_at": null, "failed_at": null,
          "completed_at": 1699063295, "metadata": {},
          "usage": { "prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15 }
        }
        """);

    [Fact]
    public void ListDeleteAndErrorEnvelopesAreValid()
    {
        SpecSchemas.AssertValid("ListMessagesResponse",
            $$"""{ "object": "list", "data": [{{ValidMessage}}], "first_id": "msg_abc123", "last_id": "msg_abc123", "has_more": false }""");
        SpecSchemas.AssertValid("DeleteThreadResponse", """{ "id": "thread_abc123", "object": "thread.deleted", "deleted": true }""");
        SpecSchemas.AssertValid("ErrorResponse",
            """{ "error": { "message": "No thread found with id 'thread_x'.", "type": "invalid_request_error", "param": null, "code": null } }""");
    }

    [Fact]
    public void ExtraPropertiesAreAllowedWhereTheSchemaIsSilent() =>
        Assert.Empty(SpecSchemas.Validate("RunObject", With(ValidRun, "queue_position", 2)));

    [Fact]
    public void RequiredOnAnArrayTypedSchemaIsIgnoredAsJsonSchemaSays() =>
        SpecSchemas.AssertValid("CreateMessageRequest",
            """{ "role": "user", "content": "hi", "attachments": [ { "file_id": "file_1", "tools": [ { "type": "file_search" } ] } ] }""");

    // ---- drift must fail -------------------------------------------------------------

    [Fact]
    public void AMissingRequiredPropertyIsReportedAtItsPath()
    {
        var run = JsonNode.Parse(ValidRun)!.AsObject();
        run.Remove("parallel_tool_calls");

        AssertOnly(SpecSchemas.Validate("RunObject", run), "$.parallel_tool_calls", "required property is missing");
    }

    [Fact]
    public void AWrongTypeIsReported() =>
        AssertOnly(SpecSchemas.Validate("RunObject", With(ValidRun, "created_at", "yesterday")),
            "$.created_at", "expected integer, got string \"yesterday\"");

    [Fact]
    public void AFractionalNumberIsNotAnInteger() =>
        AssertOnly(SpecSchemas.Validate("RunObject", With(ValidRun, "created_at", 1698107661.5)),
            "$.created_at", "expected integer, got number 1698107661.5");

    [Fact]
    public void AValueOutsideTheEnumIsReported() =>
        AssertOnly(SpecSchemas.Validate("RunObject", With(ValidRun, "status", "running")),
            "$.status", "string \"running\" is not one of");

    [Fact]
    public void NullPassesOnlyWhereTheSchemaAllowsIt()
    {
        AssertOnly(SpecSchemas.Validate("RunObject", With(ValidRun, "model", null)), "$.model", "expected string, got null");
        Assert.Empty(SpecSchemas.Validate("RunObject", With(ValidRun, "expires_at", null)));          // nullable: true
        Assert.Empty(SpecSchemas.Validate("RunObject", With(ValidRun, "metadata", null)));            // anyOf [..., type: 'null']
        Assert.Empty(SpecSchemas.Validate("RunObject", With(ValidRun, "truncation_strategy", null))); // allOf [$ref, nullable: true]
        Assert.Empty(SpecSchemas.Validate("RunObject", With(ValidRun, "response_format", null)));     // $ref with nullable: true beside it
    }

    [Fact]
    public void ANullableAllOfStillChecksValuesThatAreNotNull() =>
        AssertOnly(SpecSchemas.Validate("RunObject", With(ValidRun, "truncation_strategy", new JsonObject { ["type"] = "sometimes" })),
            "$.truncation_strategy.type", "is not one of [\"auto\",\"last_messages\"]");

    [Fact]
    public void MetadataValuesMustBeStrings() =>
        AssertOnly(SpecSchemas.Validate("RunObject", With(ValidRun, "metadata", new JsonObject { ["n"] = 1 })),
            "$.metadata.n", "expected string, got number 1");

    [Fact]
    public void AOneOfBranchChosenByTypeReportsItsOwnViolations()
    {
        var message = JsonNode.Parse(ValidMessage)!;
        message["content"]![0]!["text"]!["value"] = 5;

        AssertOnly(SpecSchemas.Validate("MessageObject", message), "$.content[0].text.value", "expected string, got number 5");
    }

    [Fact]
    public void AOneOfThatNoBranchMatchesSummarisesEveryBranch()
    {
        var violation = Assert.Single(SpecSchemas.Validate("RunObject", With(ValidRun, "tools", new JsonArray(new JsonObject { ["type"] = "browser" }))));

        Assert.Equal("$.tools[0]", violation.Path);
        Assert.StartsWith("matches none of the 3 oneOf branches", violation.Message);
        Assert.Contains("AssistantToolsCode: $.tools[0].type: string \"browser\" is not one of [\"code_interpreter\"]", violation.Message);
        Assert.Contains("AssistantToolsFunction:", violation.Message);
    }

    [Fact]
    public void AOneOfThatTwoBranchesMatchFails() =>
        AssertOnly(
            SpecSchemas.Validate("CreateThreadRequest",
                JsonNode.Parse("""{ "tool_resources": { "file_search": { "vector_store_ids": ["vs_1"], "vector_stores": [] } } }""")),
            "$.tool_resources.file_search", "matches 2 of the 2 oneOf branches");

    [Fact]
    public void AdditionalPropertiesFalseRejectsUnknownProperties() =>
        AssertOnly(SpecSchemas.Validate("CreateMessageRequest", JsonNode.Parse("""{ "role": "user", "content": "hi", "colour": "red" }""")),
            "$.colour", "property is not allowed (additionalProperties: false)");

    [Fact]
    public void MinimumMaximumAndMaxLengthAreEnforced()
    {
        AssertOnly(SpecSchemas.Validate("RunObject", With(ValidRun, "max_prompt_tokens", 100)),
            "$.max_prompt_tokens", "number 100 is below the minimum 256");

        var assistant = SpecSchemas.Example("AssistantObject")!.AsObject();
        assistant["temperature"] = 2.5;
        assistant["name"] = new string('x', 257);
        var violations = SpecSchemas.Validate("AssistantObject", assistant);

        Assert.Equal(new[] { "$.name", "$.temperature" }, violations.Select(v => v.Path).Order());
        Assert.Contains(violations, v => v.Message == "string of 257 characters is longer than maxLength 256");
        Assert.Contains(violations, v => v.Message == "number 2.5 is above the maximum 2");
    }

    [Fact]
    public void MillisecondTimestampsAreRejected() =>
        AssertOnly(SpecSchemas.Validate("RunObject", With(ValidRun, "created_at", 1698107661000)),
            "$.created_at", "is not a unix time in whole seconds");

    [Fact]
    public void AssertValidListsEveryViolation()
    {
        var run = JsonNode.Parse(ValidRun)!.AsObject();
        run["status"] = "running";
        run.Remove("model");

        var failure = Assert.ThrowsAny<Exception>(() => SpecSchemas.AssertValid("RunObject", run));

        Assert.Contains("'RunObject'", failure.Message);
        Assert.Contains("(2 violations)", failure.Message);
        Assert.Contains("$.status: string \"running\" is not one of", failure.Message);
        Assert.Contains("$.model: required property is missing", failure.Message);
    }

    [Fact]
    public void AnUnknownSchemaNameIsAnError() =>
        Assert.Throws<ArgumentException>(() => SpecSchemas.Validate("RunObjekt", new JsonObject()));

    // ---- loading ---------------------------------------------------------------------

    [Fact]
    public void EverySchemaOfTheSpecLoads()
    {
        Assert.Contains("RunObject", SpecSchemas.Names);
        Assert.Contains("AssistantStreamEvent", SpecSchemas.Names);
        Assert.All(SpecSchemas.Names, name => SpecSchemas.Validate(name, new JsonObject()));
    }

    [Fact]
    public void AKeywordTheValidatorDoesNotKnowIsRefusedWhenLoading()
    {
        var error = Assert.Throws<InvalidOperationException>(() => OpenApiSchemaSet.FromYaml("""
            components:
              schemas:
                Id:
                  type: string
                  pattern: '^x_'
            """));

        Assert.Contains("#/components/schemas/Id: keyword 'pattern' is not understood", error.Message);
    }

    [Fact]
    public void ARefThatDoesNotResolveIsRefusedWhenLoading() =>
        Assert.Throws<InvalidOperationException>(() => OpenApiSchemaSet.FromYaml("""
            components:
              schemas:
                A:
                  $ref: '#/components/schemas/Missing'
            """));

    [Fact]
    public void YamlScalarsAreTypedByTheCoreSchemaAndQuotesKeepStrings()
    {
        var node = YamlToJson.Convert("""
            quoted_null: 'null'
            plain_null: null
            tilde: ~
            int: 20
            float: 1.0
            bool: true
            quoted_bool: "true"
            version: 2.3.0
            """)!;

        Assert.Equal(
            """{"quoted_null":"null","plain_null":null,"tilde":null,"int":20,"float":1,"bool":true,"quoted_bool":"true","version":"2.3.0"}""",
            node.ToJsonString());
    }

    // ---- helpers ---------------------------------------------------------------------

    private static JsonObject With(string json, string name, JsonNode? value)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        node[name] = value;
        return node;
    }

    private static void AssertOnly(IReadOnlyList<SchemaViolation> violations, string path, string messagePart)
    {
        var violation = Assert.Single(violations);
        Assert.Equal(path, violation.Path);
        Assert.Contains(messagePart, violation.Message);
    }
}
