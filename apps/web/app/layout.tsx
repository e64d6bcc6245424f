import type { Metadata, Viewport } from "next";
import { getSession } from "@/server/auth";
import { Header } from "@/components/header";
import { Providers } from "./providers";
import "./globals.css";

export const metadata: Metadata = { title: "RLHF platform" };
export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  const session = await getSession();
  return (
    <html lang="en">
      <body>
        <Providers>
          <Header user={session?.user ?? null} />
          <main className="container">{children}</main>
        </Providers>
      </body>
    </html>
  );
}
