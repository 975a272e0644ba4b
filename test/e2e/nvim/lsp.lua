-- Neovim 0.7 as an LSP client of `knet-language-server --stdio`: open a .knet file, wait
-- for its diagnostics, ask for a hover, write what arrived as JSON and quit. The test
-- (neovim.e2e.ts) judges the result; this script only reports.
-- Environment: KNET_SERVER (the bin script), KNET_FILE, KNET_HOVER_LINE/KNET_HOVER_COL
-- (0-based), KNET_OUT (the JSON report), KNET_WAIT_MS.
local server = os.getenv('KNET_SERVER')
local file = os.getenv('KNET_FILE')
local out = os.getenv('KNET_OUT')
local wait_ms = tonumber(os.getenv('KNET_WAIT_MS') or '20000')
local report = { diagnostics = {}, hover = vim.NIL, errors = {} }

local function finish()
  local f = assert(io.open(out, 'w'))
  f:write(vim.fn.json_encode(report))
  f:close()
  vim.cmd('qall!')
end

local ok, err = pcall(function()
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].filetype = 'knet'
  local client_id = vim.lsp.start_client({
    name = 'knet',
    cmd = { 'node', server, '--stdio' },
    root_dir = vim.fn.fnamemodify(file, ':h'),
    on_stderr = function(_, data) table.insert(report.errors, data) end,
  })
  if not client_id then error('start_client failed') end
  vim.lsp.buf_attach_client(buf, client_id)
  report.initialized = vim.wait(wait_ms, function()
    local c = vim.lsp.get_client_by_id(client_id)
    return c ~= nil and c.initialized
  end, 50)

  -- Diagnostics come as a push after didOpen; an empty set may be a real answer, so wait
  -- for the server's publish (or the time limit) rather than for a non-empty list.
  local published = false
  local handler = vim.lsp.handlers['textDocument/publishDiagnostics']
  local uri = vim.uri_from_bufnr(buf)
  vim.lsp.handlers['textDocument/publishDiagnostics'] = function(e, result, ctx, config)
    -- The server checks every .knet file of the workspace: wait for this file's.
    if result and vim.uri_to_fname(result.uri) == vim.uri_to_fname(uri) then published = true end
    return handler(e, result, ctx, config)
  end
  report.published = vim.wait(wait_ms, function() return published end, 50)
  vim.wait(300) -- let a second publish for the same version settle
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local lsp = (d.user_data and d.user_data.lsp) or {}
    table.insert(report.diagnostics, {
      line = d.lnum,
      code = d.code or lsp.code or vim.NIL,
      severity = ({ 'error', 'warning', 'info', 'hint' })[d.severity],
      message = d.message,
    })
  end

  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = tonumber(os.getenv('KNET_HOVER_LINE')), character = tonumber(os.getenv('KNET_HOVER_COL')) },
  }
  local responses = vim.lsp.buf_request_sync(buf, 'textDocument/hover', params, wait_ms)
  for _, r in pairs(responses or {}) do
    if r.error then table.insert(report.errors, vim.inspect(r.error)) end
    if r.result and r.result.contents then
      local c = r.result.contents
      report.hover = type(c) == 'string' and c or c.value or vim.fn.json_encode(c)
    end
  end
  vim.lsp.stop_client(client_id)
end)
if not ok then table.insert(report.errors, tostring(err)) end
finish()
