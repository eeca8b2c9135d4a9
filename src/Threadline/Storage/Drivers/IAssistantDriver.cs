using Threadline.Assistants;

namespace Threadline.Storage.Drivers;

internal interface IAssistantDriver
{
    ValueTask AssistantInsertAsync(Assistant assistant);
    ValueTask<Assistant?> AssistantGetAsync(string projectId, string assistantId);
    ValueTask<bool> AssistantUpdateAsync(Assistant assistant);
    ValueTask<bool> AssistantDeleteAsync(string projectId, string assistantId);
    ValueTask<Page<Assistant>> AssistantListAsync(string projectId, PageRequest page);
}
