;;; eglot.el --- Emacs 28 + eglot as an LSP client of `knet-language-server --stdio'  -*- lexical-binding: t -*-
;; Opens a .knet file, waits for the server's diagnostics (through flymake), asks for a
;; hover, writes what arrived as JSON and exits.  The test (emacs.e2e.ts) judges it.
;; Environment: KNET_SERVER, KNET_FILE, KNET_HOVER_LINE / KNET_HOVER_COL (0-based),
;; KNET_OUT, KNET_WAIT_MS.
(require 'eglot)
(require 'json)
(require 'flymake)
(require 'cl-lib)

(define-derived-mode knet-mode prog-mode "KNet"
  "Major mode for .knet descriptions of a cluster's network."
  (setq-local comment-start "// "))
(add-to-list 'auto-mode-alist '("\\.knet\\'" . knet-mode))
(add-to-list 'eglot-server-programs
             `(knet-mode . ("node" ,(getenv "KNET_SERVER") "--stdio")))

(defvar knet-report (list (cons 'errors [])))
(defun knet-note-error (text)
  (setf (alist-get 'errors knet-report) (vconcat (alist-get 'errors knet-report) (list text))))

(defvar knet-published nil "The diagnostics of the last publish, as the server sent them.")
(cl-defmethod eglot-handle-notification :before
  (_server (_method (eql textDocument/publishDiagnostics)) &key uri diagnostics &allow-other-keys)
  ;; The server checks every .knet file of the workspace: keep only this file's.
  (when (equal (file-truename (eglot--uri-to-path uri)) (file-truename (getenv "KNET_FILE")))
    (setq knet-published (or diagnostics []))))

(defun knet-wait (seconds predicate)
  "Wait up to SECONDS for PREDICATE, serving the server's messages meanwhile."
  (let ((deadline (+ (float-time) seconds)) (done nil))
    (while (and (not (setq done (funcall predicate))) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    done))

(condition-case err
    (let* ((wait (/ (string-to-number (or (getenv "KNET_WAIT_MS") "20000")) 1000.0))
           (buf (find-file-noselect (getenv "KNET_FILE"))))
      (with-current-buffer buf
        (knet-mode)
        (let ((eglot-sync-connect t)) (eglot-ensure))
        ;; eglot-ensure connects from post-command-hook; in batch there is no command loop.
        (run-hooks 'post-command-hook)
        (unless (knet-wait wait (lambda () (eglot-current-server)))
          (error "eglot did not connect"))
        (setf (alist-get 'connected knet-report) t)
        ;; The codes come from the publish itself (flymake shows only the text); the count
        ;; flymake holds is what the user sees in the buffer.
        (setf (alist-get 'published knet-report) (and (knet-wait wait (lambda () knet-published)) t))
        (knet-wait 3 (lambda () (flymake-diagnostics)))
        (setf (alist-get 'flymake knet-report) (length (flymake-diagnostics)))
        (setf (alist-get 'diagnostics knet-report)
              (vconcat
               (mapcar (lambda (d)
                         `((line . ,(plist-get (plist-get (plist-get d :range) :start) :line))
                           (code . ,(plist-get d :code))
                           (severity . ,(pcase (plist-get d :severity) (1 "error") (2 "warning") (3 "info") (_ "hint")))
                           (message . ,(plist-get d :message))))
                       knet-published)))
        (let* ((server (eglot-current-server))
               (result (jsonrpc-request
                        server :textDocument/hover
                        `(:textDocument (:uri ,(eglot--path-to-uri (buffer-file-name)))
                          :position (:line ,(string-to-number (getenv "KNET_HOVER_LINE"))
                                     :character ,(string-to-number (getenv "KNET_HOVER_COL"))))
                        :timeout wait))
               (contents (and result (plist-get result :contents))))
          (setf (alist-get 'hover knet-report)
                (cond ((stringp contents) contents)
                      ((plist-get contents :value))
                      (t (and contents (format "%S" contents))))))
        (ignore-errors (eglot-shutdown (eglot-current-server)))))
  (error (knet-note-error (error-message-string err))))

(with-temp-file (getenv "KNET_OUT")
  (insert (json-encode knet-report)))
(kill-emacs 0)
