import type { ChatMessage } from "@/server/annotation/content";
import { CollapsibleText } from "./CollapsibleText";

const ROLE_NAMES = { system: "System", user: "User", assistant: "Assistant" } as const;

export function Conversation({ messages }: { messages: ChatMessage[] }) {
  return (
    <ol className="conversation">
      {messages.map((message, i) => (
        <li key={i} className={`turn turn-${message.role}`}>
          <span className="turn-role">{ROLE_NAMES[message.role]}</span>
          <CollapsibleText text={message.content} />
        </li>
      ))}
    </ol>
  );
}
