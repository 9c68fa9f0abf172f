// Light, dark, or the system's choice; remembered in localStorage. On a phone only its symbol
// shows; its name (aria-label) always says the theme.
import { useEffect, useState } from 'preact/hooks';

type Theme = 'system' | 'light' | 'dark';
const NEXT: Record<Theme, Theme> = { system: 'dark', dark: 'light', light: 'system' };
const SYMBOL: Record<Theme, string> = { system: '◐', dark: '●', light: '○' };

export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(() => (localStorage.getItem('berth-theme') as Theme | null) ?? 'system');
  useEffect(() => {
    if (theme === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
    localStorage.setItem('berth-theme', theme);
  }, [theme]);
  return (
    <button type="button" class="ghost compact" onClick={() => setTheme(NEXT[theme])} aria-label={`Theme: ${theme}. Switch to ${NEXT[theme]}`} title={`Theme: ${theme}`}>
      <span aria-hidden="true">{SYMBOL[theme]}</span>
      <span class="wide-only" aria-hidden="true">
        {' '}
        Theme: {theme}
      </span>
    </button>
  );
}
