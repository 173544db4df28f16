export type Json =
  | string
  | number
  | boolean
  | null
  | { [key: string]: Json | undefined }
  | Json[];

export type Database = {
  private: {
    Tables: {
      account_erasure_requests: {
        Row: {
          attempts: number;
          due_at: string;
          failures: number;
          id: string;
          identifier_hashes: string[];
          last_error: string | null;
          lease_token: string | null;
          leased_until: string | null;
          next_attempt_at: string;
          origin: string;
          orphaned_org_ids: string[];
          progress: NonNullable<Json>;
          requested_at: string;
          started_at: string | null;
          status: string;
          step: string;
          user_id: string;
        };
        Insert: {
          attempts?: number;
          due_at: string;
          failures?: number;
          id?: string;
          identifier_hashes?: string[];
          last_error?: string | null;
          lease_token?: string | null;
          leased_until?: string | null;
          next_attempt_at?: string;
          origin?: string;
          orphaned_org_ids?: string[];
          progress?: NonNullable<Json>;
          requested_at: string;
          started_at?: string | null;
          status?: string;
          step?: string;
          user_id: string;
        };
        Update: {
          attempts?: number;
          due_at?: string;
          failures?: number;
          id?: string;
          identifier_hashes?: string[];
          last_error?: string | null;
          lease_token?: string | null;
          leased_until?: string | null;
          next_attempt_at?: string;
          origin?: string;
          orphaned_org_ids?: string[];
          progress?: NonNullable<Json>;
          requested_at?: string;
          started_at?: string | null;
          status?: string;
          step?: string;
          user_id?: string;
        };
        Relationships: [];
      };
      account_identifier_windows: {
        Row: {
          held_from: string;
          identifier_hash: string;
          kind: string;
          left_at: string;
          user_id: string;
        };
        Insert: {
          held_from: string;
          identifier_hash: string;
          kind: string;
          left_at: string;
          user_id: string;
        };
        Update: {
          held_from?: string;
          identifier_hash?: string;
          kind?: string;
          left_at?: string;
          user_id?: string;
        };
        Relationships: [];
      };
      data_exports: {
        Row: {
          attempts: number;
          dsr_id: string;
          expires_at: string | null;
          id: string;
          last_error: string | null;
          lease_token: string | null;
          leased_until: string | null;
          object_name: string | null;
          ready_at: string | null;
          requested_at: string;
          status: string;
          user_id: string | null;
        };
        Insert: {
          attempts?: number;
          dsr_id: string;
          expires_at?: string | null;
          id?: string;
          last_error?: string | null;
          lease_token?: string | null;
          leased_until?: string | null;
          object_name?: string | null;
          ready_at?: string | null;
          requested_at: string;
          status?: string;
          user_id?: string | null;
        };
        Update: {
          attempts?: number;
          dsr_id?: string;
          expires_at?: string | null;
          id?: string;
          last_error?: string | null;
          lease_token?: string | null;
          leased_until?: string | null;
          object_name?: string | null;
          ready_at?: string | null;
          requested_at?: string;
          status?: string;
          user_id?: string | null;
        };
        Relationships: [
          {
            foreignKeyName: "data_exports_dsr_id_fkey";
            columns: ["dsr_id"];
            referencedRelation: "dsr_requests";
            referencedColumns: ["id"];
          },
        ];
      };
      dsr_requests: {
        Row: {
          audit_chain_id: string | null;
          audit_seq: number | null;
          closed_at: string | null;
          due_at: string;
          extended_at: string | null;
          extension_reason: string | null;
          id: string;
          outcome: Json | null;
          receipt: Json | null;
          receipt_key_id: string | null;
          receipt_signature: string | null;
          received_at: string;
          ref: string;
          regime: string;
          request_type: string;
          requested_by: string | null;
          source: string;
          source_id: string | null;
          state: string;
          subject_key: string | null;
          subject_kind: string;
          subject_org_id: string | null;
          subject_respondent_hash: string | null;
          subject_user_id: string | null;
          dsr_receipt_content: Json | null;
        };
        Insert: {
          audit_chain_id?: string | null;
          audit_seq?: number | null;
          closed_at?: string | null;
          due_at: string;
          extended_at?: string | null;
          extension_reason?: string | null;
          id?: string;
          outcome?: Json | null;
          receipt?: Json | null;
          receipt_key_id?: string | null;
          receipt_signature?: string | null;
          received_at: string;
          ref: string;
          regime: string;
          request_type: string;
          requested_by?: string | null;
          source: string;
          source_id?: string | null;
          state?: string;
          subject_key?: never;
          subject_kind: string;
          subject_org_id?: string | null;
          subject_respondent_hash?: string | null;
          subject_user_id?: string | null;
        };
        Update: {
          audit_chain_id?: string | null;
          audit_seq?: number | null;
          closed_at?: string | null;
          due_at?: string;
          extended_at?: string | null;
          extension_reason?: string | null;
          id?: string;
          outcome?: Json | null;
          receipt?: Json | null;
          receipt_key_id?: string | null;
          receipt_signature?: string | null;
          received_at?: string;
          ref?: string;
          regime?: string;
          request_type?: string;
          requested_by?: string | null;
          source?: string;
          source_id?: string | null;
          state?: string;
          subject_key?: never;
          subject_kind?: string;
          subject_org_id?: string | null;
          subject_respondent_hash?: string | null;
          subject_user_id?: string | null;
        };
        Relationships: [];
      };
      incident_entries: {
        Row: {
          added_at: string;
          body: string | null;
          details: NonNullable<Json>;
          id: number;
          incident_id: string;
          kind: string;
        };
        Insert: {
          added_at: string;
          body?: string | null;
          details?: NonNullable<Json>;
          id?: never;
          incident_id: string;
          kind: string;
        };
        Update: {
          added_at?: string;
          body?: string | null;
          details?: NonNullable<Json>;
          id?: never;
          incident_id?: string;
          kind?: string;
        };
        Relationships: [
          {
            foreignKeyName: "incident_entries_incident_id_fkey";
            columns: ["incident_id"];
            referencedRelation: "incidents";
            referencedColumns: ["id"];
          },
        ];
      };
      incident_organizations: {
        Row: {
          incident_id: string;
          org_id: string;
          readable_from: string;
          readable_until: string;
          recordings: number;
          recordings_accessed: number;
          responses: number;
          sources: string[];
          surveys: number;
          transcripts: number;
        };
        Insert: {
          incident_id: string;
          org_id: string;
          readable_from: string;
          readable_until: string;
          recordings: number;
          recordings_accessed: number;
          responses: number;
          sources: string[];
          surveys: number;
          transcripts: number;
        };
        Update: {
          incident_id?: string;
          org_id?: string;
          readable_from?: string;
          readable_until?: string;
          recordings?: number;
          recordings_accessed?: number;
          responses?: number;
          sources?: string[];
          surveys?: number;
          transcripts?: number;
        };
        Relationships: [
          {
            foreignKeyName: "incident_organizations_incident_id_fkey";
            columns: ["incident_id"];
            referencedRelation: "incidents";
            referencedColumns: ["id"];
          },
        ];
      };
      incident_recipients: {
        Row: {
          account_compromised: boolean;
          delivered_at: string | null;
          incident_id: string;
          mail_id: string | null;
          params: NonNullable<Json>;
          queued_at: string | null;
          unreachable_at: string | null;
          user_id: string;
        };
        Insert: {
          account_compromised: boolean;
          delivered_at?: string | null;
          incident_id: string;
          mail_id?: string | null;
          params: NonNullable<Json>;
          queued_at?: string | null;
          unreachable_at?: string | null;
          user_id: string;
        };
        Update: {
          account_compromised?: boolean;
          delivered_at?: string | null;
          incident_id?: string;
          mail_id?: string | null;
          params?: NonNullable<Json>;
          queued_at?: string | null;
          unreachable_at?: string | null;
          user_id?: string;
        };
        Relationships: [
          {
            foreignKeyName: "incident_recipients_incident_id_fkey";
            columns: ["incident_id"];
            referencedRelation: "incidents";
            referencedColumns: ["id"];
          },
          {
            foreignKeyName: "incident_recipients_mail_id_fkey";
            columns: ["mail_id"];
            referencedRelation: "mail_outbox";
            referencedColumns: ["id"];
          },
        ];
      };
      incident_recordings_accessed: {
        Row: {
          first_accessed_at: string;
          grants: number;
          incident_id: string;
          last_accessed_at: string;
          org_id: string;
          recording_id: string;
          response_id: string;
          survey_id: string;
          user_id: string;
        };
        Insert: {
          first_accessed_at: string;
          grants: number;
          incident_id: string;
          last_accessed_at: string;
          org_id: string;
          recording_id: string;
          response_id: string;
          survey_id: string;
          user_id: string;
        };
        Update: {
          first_accessed_at?: string;
          grants?: number;
          incident_id?: string;
          last_accessed_at?: string;
          org_id?: string;
          recording_id?: string;
          response_id?: string;
          survey_id?: string;
          user_id?: string;
        };
        Relationships: [
          {
            foreignKeyName: "incident_recordings_accessed_incident_id_fkey";
            columns: ["incident_id"];
            referencedRelation: "incidents";
            referencedColumns: ["id"];
          },
        ];
      };
      incidents: {
        Row: {
          closed_at: string | null;
          deadline: string;
          detected_at: string;
          id: string;
          notified_at: string | null;
          opened_at: string;
          reference: string;
          scope: NonNullable<Json>;
          scoped_at: string | null;
          state: string;
          summary: Json | null;
          window_from: string;
          window_to: string;
        };
        Insert: {
          closed_at?: string | null;
          deadline: string;
          detected_at: string;
          id?: string;
          notified_at?: string | null;
          opened_at: string;
          reference: string;
          scope: NonNullable<Json>;
          scoped_at?: string | null;
          state?: string;
          summary?: Json | null;
          window_from: string;
          window_to: string;
        };
        Update: {
          closed_at?: string | null;
          deadline?: string;
          detected_at?: string;
          id?: string;
          notified_at?: string | null;
          opened_at?: string;
          reference?: string;
          scope?: NonNullable<Json>;
          scoped_at?: string | null;
          state?: string;
          summary?: Json | null;
          window_from?: string;
          window_to?: string;
        };
        Relationships: [];
      };
      job_health_checks: {
        Row: {
          check_function: unknown;
          position: number;
        };
        Insert: {
          check_function: unknown;
          position: number;
        };
        Update: {
          check_function?: unknown;
          position?: number;
        };
        Relationships: [];
      };
      job_invocations: {
        Row: {
          function_name: string;
          invoked_at: string;
          request_id: number;
        };
        Insert: {
          function_name: string;
          invoked_at?: string;
          request_id: number;
        };
        Update: {
          function_name?: string;
          invoked_at?: string;
          request_id?: number;
        };
        Relationships: [];
      };
      mail_outbox: {
        Row: {
          attempts: number;
          enqueued_at: string;
          id: string;
          last_error: string | null;
          lease_token: string | null;
          leased_until: string | null;
          next_attempt_at: string;
          params: NonNullable<Json>;
          recipient: string;
          sending_at: string | null;
          sent_at: string | null;
          status: string;
          template: string;
        };
        Insert: {
          attempts?: number;
          enqueued_at?: string;
          id?: string;
          last_error?: string | null;
          lease_token?: string | null;
          leased_until?: string | null;
          next_attempt_at?: string;
          params?: NonNullable<Json>;
          recipient: string;
          sending_at?: string | null;
          sent_at?: string | null;
          status?: string;
          template: string;
        };
        Update: {
          attempts?: number;
          enqueued_at?: string;
          id?: string;
          last_error?: string | null;
          lease_token?: string | null;
          leased_until?: string | null;
          next_attempt_at?: string;
          params?: NonNullable<Json>;
          recipient?: string;
          sending_at?: string | null;
          sent_at?: string | null;
          status?: string;
          template?: string;
        };
        Relationships: [];
      };
      organization_suspensions: {
        Row: {
          incident_id: string;
          org_id: string;
          suspended_at: string;
        };
        Insert: {
          incident_id: string;
          org_id: string;
          suspended_at: string;
        };
        Update: {
          incident_id?: string;
          org_id?: string;
          suspended_at?: string;
        };
        Relationships: [
          {
            foreignKeyName: "organization_suspensions_incident_id_fkey";
            columns: ["incident_id"];
            referencedRelation: "incidents";
            referencedColumns: ["id"];
          },
        ];
      };
      security_report_notes: {
        Row: {
          added_at: string;
          body: string;
          id: number;
          report_id: string;
        };
        Insert: {
          added_at?: string;
          body: string;
          id?: never;
          report_id: string;
        };
        Update: {
          added_at?: string;
          body?: string;
          id?: never;
          report_id?: string;
        };
        Relationships: [
          {
            foreignKeyName: "security_report_notes_report_id_fkey";
            columns: ["report_id"];
            referencedRelation: "security_reports";
            referencedColumns: ["id"];
          },
        ];
      };
      security_report_sources: {
        Row: {
          source_hash: string;
          submissions: number;
          window_start: string;
        };
        Insert: {
          source_hash: string;
          submissions: number;
          window_start: string;
        };
        Update: {
          source_hash?: string;
          submissions?: number;
          window_start?: string;
        };
        Relationships: [];
      };
      security_reports: {
        Row: {
          ack_mail_id: string | null;
          acknowledged_at: string | null;
          channel: string;
          closed_at: string | null;
          details: string;
          id: string;
          received_at: string;
          reference: string;
          reporter_contact: string;
          resolution: string | null;
          severity: string | null;
          status: string;
          summary: string;
        };
        Insert: {
          ack_mail_id?: string | null;
          acknowledged_at?: string | null;
          channel: string;
          closed_at?: string | null;
          details: string;
          id?: string;
          received_at?: string;
          reference: string;
          reporter_contact: string;
          resolution?: string | null;
          severity?: string | null;
          status?: string;
          summary: string;
        };
        Update: {
          ack_mail_id?: string | null;
          acknowledged_at?: string | null;
          channel?: string;
          closed_at?: string | null;
          details?: string;
          id?: string;
          received_at?: string;
          reference?: string;
          reporter_contact?: string;
          resolution?: string | null;
          severity?: string | null;
          status?: string;
          summary?: string;
        };
        Relationships: [
          {
            foreignKeyName: "security_reports_ack_mail_id_fkey";
            columns: ["ack_mail_id"];
            referencedRelation: "mail_outbox";
            referencedColumns: ["id"];
          },
        ];
      };
      storage_removals: {
        Row: {
          attempts: number;
          bucket_id: string;
          cause: string;
          enqueued_at: string;
          id: number;
          last_error: string | null;
          leased_until: string | null;
          next_attempt_at: string;
          object_name: string;
          org_id: string | null;
          survey_id: string | null;
        };
        Insert: {
          attempts?: number;
          bucket_id: string;
          cause: string;
          enqueued_at?: string;
          id?: never;
          last_error?: string | null;
          leased_until?: string | null;
          next_attempt_at?: string;
          object_name: string;
          org_id?: string | null;
          survey_id?: string | null;
        };
        Update: {
          attempts?: number;
          bucket_id?: string;
          cause?: string;
          enqueued_at?: string;
          id?: never;
          last_error?: string | null;
          leased_until?: string | null;
          next_attempt_at?: string;
          object_name?: string;
          org_id?: string | null;
          survey_id?: string | null;
        };
        Relationships: [];
      };
    };
    Views: {
      account_erasure_backlog: {
        Row: {
          attempts: number | null;
          due_at: string | null;
          failing: boolean | null;
          failures: number | null;
          last_error: string | null;
          leased_until: string | null;
          next_attempt_at: string | null;
          overdue: boolean | null;
          progress: Json | null;
          request_id: string | null;
          requested_at: string | null;
          started_at: string | null;
          status: string | null;
          step: string | null;
          user_id: string | null;
        };
        Insert: {
          attempts?: number | null;
          due_at?: string | null;
          failing?: never;
          failures?: number | null;
          last_error?: string | null;
          leased_until?: string | null;
          next_attempt_at?: string | null;
          overdue?: never;
          progress?: Json | null;
          request_id?: string | null;
          requested_at?: string | null;
          started_at?: string | null;
          status?: string | null;
          step?: string | null;
          user_id?: string | null;
        };
        Update: {
          attempts?: number | null;
          due_at?: string | null;
          failing?: never;
          failures?: number | null;
          last_error?: string | null;
          leased_until?: string | null;
          next_attempt_at?: string | null;
          overdue?: never;
          progress?: Json | null;
          request_id?: string | null;
          requested_at?: string | null;
          started_at?: string | null;
          status?: string | null;
          step?: string | null;
          user_id?: string | null;
        };
        Relationships: [];
      };
      audit_anchors: {
        Row: {
          attempts: number | null;
          chain_id: string | null;
          created_at: string | null;
          heads: Json | null;
          id: number | null;
          last_error: string | null;
          leased_until: string | null;
          next_attempt_at: string | null;
          published_at: string | null;
        };
        Insert: {
          attempts?: number | null;
          chain_id?: string | null;
          created_at?: string | null;
          heads?: Json | null;
          id?: number | null;
          last_error?: string | null;
          leased_until?: string | null;
          next_attempt_at?: string | null;
          published_at?: string | null;
        };
        Update: {
          attempts?: number | null;
          chain_id?: string | null;
          created_at?: string | null;
          heads?: Json | null;
          id?: number | null;
          last_error?: string | null;
          leased_until?: string | null;
          next_attempt_at?: string | null;
          published_at?: string | null;
        };
        Relationships: [];
      };
      storage_removal_backlog: {
        Row: {
          attempts: number | null;
          bucket_id: string | null;
          cause: string | null;
          enqueued_at: string | null;
          id: number | null;
          last_error: string | null;
          leased_until: string | null;
          next_attempt_at: string | null;
          object_name: string | null;
          org_id: string | null;
          stuck: boolean | null;
          survey_id: string | null;
        };
        Insert: {
          attempts?: number | null;
          bucket_id?: string | null;
          cause?: string | null;
          enqueued_at?: string | null;
          id?: number | null;
          last_error?: string | null;
          leased_until?: string | null;
          next_attempt_at?: string | null;
          object_name?: string | null;
          org_id?: string | null;
          stuck?: never;
          survey_id?: string | null;
        };
        Update: {
          attempts?: number | null;
          bucket_id?: string | null;
          cause?: string | null;
          enqueued_at?: string | null;
          id?: number | null;
          last_error?: string | null;
          leased_until?: string | null;
          next_attempt_at?: string | null;
          object_name?: string | null;
          org_id?: string | null;
          stuck?: never;
          survey_id?: string | null;
        };
        Relationships: [];
      };
    };
    Functions: {
      accept_invitation: {
        Args: { p_org_id: string };
        Returns: Database["public"]["Tables"]["memberships"]["Row"];
        SetofOptions: {
          from: "*";
          to: "memberships";
          isOneToOne: true;
          isSetofReturn: false;
        };
      };
      account_erasure_auth_log_blocks: {
        Args: Record<PropertyKey, never>;
        Returns: number;
      };
      account_erasure_claim: {
        Args: { p_lease?: string };
        Returns: {
          attempts: number;
          due_at: string;
          failures: number;
          id: string;
          identifier_hashes: string[];
          last_error: string | null;
          lease_token: string | null;
          leased_until: string | null;
          next_attempt_at: string;
          origin: string;
          orphaned_org_ids: string[];
          progress: NonNullable<Json>;
          requested_at: string;
          started_at: string | null;
          status: string;
          step: string;
          user_id: string;
        };
        SetofOptions: {
          from: "*";
          to: "account_erasure_requests";
          isOneToOne: true;
          isSetofReturn: false;
        };
      };
      account_erasure_delete_auth_log: {
        Args: {
          p_from_block?: number;
          p_recorded_hashes: string[];
          p_to_block?: number;
          p_user_id: string;
          p_written_since?: string;
        };
        Returns: number;
      };
      account_erasure_fail: {
        Args: { p_error: string; p_lease_token: string; p_request_id: string };
        Returns: undefined;
      };
      account_erasure_health: {
        Args: Record<PropertyKey, never>;
        Returns: {
          check_name: string;
          detail: Json;
          ok: boolean;
        }[];
      };
      account_erasure_identifiers: {
        Args: { p_recorded_hashes: string[]; p_user_id: string };
        Returns: {
          held_from: string;
          identifier_hash: string;
          left_at: string;
          own: boolean;
        }[];
      };
      account_erasure_status: {
        Args: Record<PropertyKey, never>;
        Returns: Json;
      };
      account_erasure_step: {
        Args: {
          p_batch_size?: number;
          p_lease?: string;
          p_lease_token: string;
          p_request_id: string;
        };
        Returns: Json;
      };
      account_erasure_transfer_ownership: {
        Args: { p_user_id: string };
        Returns: number;
      };
      account_erasure_window: {
        Args: Record<PropertyKey, never>;
        Returns: string;
      };
      audit_anchor_claim: {
        Args: { p_lease?: string; p_limit?: number };
        Returns: {
          created_at: string;
          heads: Json;
          id: number;
        }[];
      };
      audit_anchor_settle: {
        Args: { p_error?: string; p_ids: number[]; p_published: boolean };
        Returns: number;
      };
      audit_anchor_status: { Args: Record<PropertyKey, never>; Returns: Json };
      audit_health: {
        Args: Record<PropertyKey, never>;
        Returns: {
          check_name: string;
          detail: Json;
          ok: boolean;
        }[];
      };
      audited_object_name: {
        Args: { p_bucket_id: string; p_object_name: string };
        Returns: string;
      };
      cancel_account_erasure: {
        Args: Record<PropertyKey, never>;
        Returns: undefined;
      };
      create_organization: {
        Args: { p_name: string };
        Returns: Database["public"]["Tables"]["organizations"]["Row"];
        SetofOptions: {
          from: "*";
          to: "organizations";
          isOneToOne: true;
          isSetofReturn: false;
        };
      };
      current_time: { Args: Record<PropertyKey, never>; Returns: string };
      data_export_claim: {
        Args: { p_lease?: string };
        Returns: {
          attempts: number;
          dsr_id: string;
          expires_at: string | null;
          id: string;
          last_error: string | null;
          lease_token: string | null;
          leased_until: string | null;
          object_name: string | null;
          ready_at: string | null;
          requested_at: string;
          status: string;
          user_id: string | null;
        };
        SetofOptions: {
          from: "*";
          to: "data_exports";
          isOneToOne: true;
          isSetofReturn: false;
        };
      };
      data_export_download: {
        Args: Record<PropertyKey, never>;
        Returns: {
          expires_at: string;
          object_name: string;
          ref: string;
        }[];
      };
      data_export_expire: { Args: { p_limit?: number }; Returns: number };
      data_export_fail: {
        Args: { p_error: string; p_export_id: string; p_lease_token: string };
        Returns: undefined;
      };
      data_export_finish: {
        Args: {
          p_counts: Json;
          p_export_id: string;
          p_lease_token: string;
          p_object_name: string;
        };
        Returns: Json;
      };
      data_export_health: {
        Args: Record<PropertyKey, never>;
        Returns: {
          check_name: string;
          detail: Json;
          ok: boolean;
        }[];
      };
      data_export_leased: {
        Args: { p_export_id: string; p_lease_token: string };
        Returns: {
          attempts: number;
          dsr_id: string;
          expires_at: string | null;
          id: string;
          last_error: string | null;
          lease_token: string | null;
          leased_until: string | null;
          object_name: string | null;
          ready_at: string | null;
          requested_at: string;
          status: string;
          user_id: string | null;
        };
        SetofOptions: {
          from: "*";
          to: "data_exports";
          isOneToOne: true;
          isSetofReturn: false;
        };
      };
      data_export_lifetime: {
        Args: Record<PropertyKey, never>;
        Returns: string;
      };
      data_export_page: {
        Args: {
          p_after: string;
          p_export_id: string;
          p_lease_token: string;
          p_limit: number;
          p_section: string;
        };
        Returns: Json;
      };
      delete_organization: { Args: { p_org_id: string }; Returns: Json };
      delete_survey: {
        Args: { p_reason: string; p_survey_id: string };
        Returns: {
          deleted_at: string;
          purge_after: string;
          survey_id: string;
        }[];
      };
      dsr_complete: {
        Args: {
          p_actor_job: string;
          p_audit_event?: unknown;
          p_counts: Json;
          p_id: string;
        };
        Returns: {
          audit_chain_id: string | null;
          audit_seq: number | null;
          closed_at: string | null;
          due_at: string;
          extended_at: string | null;
          extension_reason: string | null;
          id: string;
          outcome: Json | null;
          receipt: Json | null;
          receipt_key_id: string | null;
          receipt_signature: string | null;
          received_at: string;
          ref: string;
          regime: string;
          request_type: string;
          requested_by: string | null;
          source: string;
          source_id: string | null;
          state: string;
          subject_key: string | null;
          subject_kind: string;
          subject_org_id: string | null;
          subject_respondent_hash: string | null;
          subject_user_id: string | null;
        };
        SetofOptions: {
          from: "*";
          to: "dsr_requests";
          isOneToOne: true;
          isSetofReturn: false;
        };
      };
      dsr_due_at: {
        Args: { p_extended: boolean; p_received_at: string; p_regime: string };
        Returns: string;
      };
      dsr_due_soon_window: { Args: Record<PropertyKey, never>; Returns: string };
      dsr_extend: { Args: { p_reason: string; p_ref: string }; Returns: string };
      dsr_forget_user: { Args: { p_user_id: string }; Returns: undefined };
      dsr_health: {
        Args: Record<PropertyKey, never>;
        Returns: {
          check_name: string;
          detail: Json;
          ok: boolean;
        }[];
      };
      dsr_ledger_purge: { Args: { p_limit?: number }; Returns: Json };
      dsr_open: {
        Args: {
          p_audit?: boolean;
          p_regime: string;
          p_requested_by: string;
          p_source: string;
          p_source_id?: string;
          p_subject_kind: string;
          p_subject_org_id?: string;
          p_subject_respondent_hash?: string;
          p_subject_user_id?: string;
          p_type: string;
        };
        Returns: {
          audit_chain_id: string | null;
          audit_seq: number | null;
          closed_at: string | null;
          due_at: string;
          extended_at: string | null;
          extension_reason: string | null;
          id: string;
          outcome: Json | null;
          receipt: Json | null;
          receipt_key_id: string | null;
          receipt_signature: string | null;
          received_at: string;
          ref: string;
          regime: string;
          request_type: string;
          requested_by: string | null;
          source: string;
          source_id: string | null;
          state: string;
          subject_key: string | null;
          subject_kind: string;
          subject_org_id: string | null;
          subject_respondent_hash: string | null;
          subject_user_id: string | null;
        };
        SetofOptions: {
          from: "*";
          to: "dsr_requests";
          isOneToOne: true;
          isSetofReturn: false;
        };
      };
      dsr_receipt: { Args: { p_ref: string }; Returns: Json };
      dsr_receipt_content: {
        Args: {
          p_request: Database["private"]["Tables"]["dsr_requests"]["Row"];
        };
        Returns: Json;
      };
      dsr_receipt_pending: {
        Args: { p_limit?: number };
        Returns: {
          content: Json;
          id: string;
        }[];
      };
      dsr_receipt_store: {
        Args: {
          p_content: Json;
          p_id: string;
          p_key_id: string;
          p_signature: string;
        };
        Returns: boolean;
      };
      dsr_receipts_health: {
        Args: Record<PropertyKey, never>;
        Returns: {
          check_name: string;
          detail: Json;
          ok: boolean;
        }[];
      };
      dsr_status: { Args: Record<PropertyKey, never>; Returns: Json };
      dsr_withdraw: { Args: { p_id: string }; Returns: undefined };
      hard_delete_surveys: {
        Args: {
          p_actor_id?: string;
          p_actor_job: string;
          p_cause: string;
          p_survey_ids: string[];
        };
        Returns: Json;
      };
      has_org_role: {
        Args: {
          p_min_role: Database["public"]["Enums"]["org_role"];
          p_org_id: string;
        };
        Returns: boolean;
      };
      incident_account_orgs: {
        Args: { p_from: string; p_to: string; p_user: string };
        Returns: {
          org_id: string;
          readable_from: string;
          readable_until: string;
        }[];
      };
      incident_actions: {
        Args: {
          p_account_compromised: boolean;
          p_has_orgs: boolean;
          p_leaked_key: boolean;
          p_recordings_accessed: boolean;
        };
        Returns: Json;
      };
      incident_add_entry: {
        Args: { p_body: string; p_kind: string; p_reference: string };
        Returns: string;
      };
      incident_add_note: {
        Args: { p_note: string; p_reference: string };
        Returns: string;
      };
      incident_add_preventive_measure: {
        Args: { p_measure: string; p_reference: string };
        Returns: string;
      };
      incident_audit: {
        Args: {
          p_action: string;
          p_details?: Json;
          p_incident_id: string;
          p_org_id?: string;
          p_reason: string;
        };
        Returns: undefined;
      };
      incident_close: {
        Args: { p_note?: string; p_reference: string };
        Returns: string;
      };
      incident_containment: {
        Args: {
          p_action: string;
          p_counts: Json;
          p_incident: Database["private"]["Tables"]["incidents"]["Row"];
          p_org_id?: string;
          p_subject: Json;
        };
        Returns: undefined;
      };
      incident_export: { Args: { p_reference: string }; Returns: Json };
      incident_for_update: {
        Args: { p_open_only?: boolean; p_reference: string };
        Returns: {
          closed_at: string | null;
          deadline: string;
          detected_at: string;
          id: string;
          notified_at: string | null;
          opened_at: string;
          reference: string;
          scope: NonNullable<Json>;
          scoped_at: string | null;
          state: string;
          summary: Json | null;
          window_from: string;
          window_to: string;
        };
        SetofOptions: {
          from: "*";
          to: "incidents";
          isOneToOne: true;
          isSetofReturn: false;
        };
      };
      incident_health: {
        Args: Record<PropertyKey, never>;
        Returns: {
          check_name: string;
          detail: Json;
          ok: boolean;
        }[];
      };
      incident_notify: { Args: { p_reference: string }; Returns: Json };
      incident_open: {
        Args: { p_detected_at: string; p_scope: Json };
        Returns: string;
      };
      incident_org_members: {
        Args: { p_from: string; p_org: string; p_to: string };
        Returns: {
          user_id: string;
        }[];
      };
      incident_reinstate_organization: {
        Args: { p_org_id: string; p_reference: string };
        Returns: boolean;
      };
      incident_revoke_sessions: {
        Args: { p_reference: string; p_user_id: string };
        Returns: Json;
      };
      incident_scope: { Args: { p_reference: string }; Returns: Json };
      incident_show: { Args: { p_reference: string }; Returns: Json };
      incident_status: { Args: Record<PropertyKey, never>; Returns: Json };
      incident_suspend_organization: {
        Args: { p_org_id: string; p_reference: string };
        Returns: boolean;
      };
      is_recording_object_name: { Args: { p_name: string }; Returns: boolean };
      job_health: {
        Args: Record<PropertyKey, never>;
        Returns: {
          check_name: string;
          detail: Json;
          ok: boolean;
        }[];
      };
      job_health_assert: {
        Args: Record<PropertyKey, never>;
        Returns: undefined;
      };
      job_invoke: {
        Args: { p_body?: Json; p_function: string };
        Returns: number;
      };
      job_runs_health: {
        Args: Record<PropertyKey, never>;
        Returns: {
          check_name: string;
          detail: Json;
          ok: boolean;
        }[];
      };
      lock_survey_for_admin: {
        Args: { p_survey_id: string };
        Returns: Database["public"]["Tables"]["surveys"]["Row"];
        SetofOptions: {
          from: "*";
          to: "surveys";
          isOneToOne: true;
          isSetofReturn: false;
        };
      };
      log_recording_grants: {
        Args: {
          p_access_path: string;
          p_recordings: Database["public"]["Tables"]["recordings"]["Row"][];
          p_user_id: string;
        };
        Returns: {
          object_name: string;
          recording_id: string;
        }[];
      };
      mail_claim: {
        Args: { p_lease?: string; p_limit?: number };
        Returns: {
          attempts: number;
          id: string;
          lease_token: string;
          params: Json;
          recipient: string;
          resend: boolean;
          template: string;
        }[];
      };
      mail_enqueue: {
        Args: { p_params: Json; p_recipient: string; p_template: string };
        Returns: string;
      };
      mail_health: {
        Args: Record<PropertyKey, never>;
        Returns: {
          check_name: string;
          detail: Json;
          ok: boolean;
        }[];
      };
      mail_mark_sending: {
        Args: { p_id: string; p_lease_token: string };
        Returns: boolean;
      };
      mail_outbox_purge: { Args: { p_limit?: number }; Returns: number };
      mail_release: {
        Args: { p_ids: string[]; p_lease_token: string };
        Returns: number;
      };
      mail_requeue: { Args: { p_ids?: string[] }; Returns: number };
      mail_settle: {
        Args: {
          p_error?: string;
          p_id: string;
          p_lease_token: string;
          p_max_attempts?: number;
        };
        Returns: string;
      };
      mail_status: { Args: Record<PropertyKey, never>; Returns: Json };
      my_account_erasure: {
        Args: Record<PropertyKey, never>;
        Returns: {
          due_at: string;
          request_id: string;
          requested_at: string;
          status: string;
        }[];
      };
      org_user_removal_reason: {
        Args: {
          p_actor: string;
          p_by_other: string;
          p_by_self: string;
          p_org_id: string;
          p_user_id: string;
        };
        Returns: string;
      };
      organization_deletion_perform: {
        Args: {
          p_actor_id: string;
          p_actor_job: string;
          p_cause: string;
          p_org_id: string;
        };
        Returns: Json;
      };
      reconcile_recordings: {
        Args: Record<PropertyKey, never>;
        Returns: {
          object_name: string;
          problem: string;
        }[];
      };
      recording_access: { Args: { p_recording_id: string }; Returns: string };
      recording_access_by_user: {
        Args: { p_from: string; p_to: string; p_user_id: string };
        Returns: unknown[];
        SetofOptions: {
          from: "*";
          to: "recording_access";
          isOneToOne: false;
          isSetofReturn: true;
        };
      };
      recording_access_health: {
        Args: Record<PropertyKey, never>;
        Returns: {
          check_name: string;
          detail: Json;
          ok: boolean;
        }[];
      };
      recording_access_retention: {
        Args: Record<PropertyKey, never>;
        Returns: Json;
      };
      recording_upload_slot: {
        Args: { p_extension: string; p_file_id?: string; p_response_id: string };
        Returns: string;
      };
      request_account_erasure: {
        Args: { p_user_id: string };
        Returns: {
          due_at: string;
          request_id: string;
          requested_at: string;
        }[];
      };
      request_data_export: {
        Args: { p_regime: string; p_user_id: string };
        Returns: {
          due_at: string;
          ref: string;
        }[];
      };
      require_user: { Args: { p_action: string }; Returns: string };
      respondent_erase: {
        Args: { p_org_id: string; p_regime: string; p_respondent_ref: string };
        Returns: Json;
      };
      respondent_export: {
        Args: { p_org_id: string; p_regime: string; p_respondent_ref: string };
        Returns: Json;
      };
      respondent_hash: {
        Args: { p_org_id: string; p_respondent_ref: string };
        Returns: string;
      };
      respondent_lookup: {
        Args: { p_org_id: string; p_respondent_ref: string };
        Returns: {
          completed_at: string;
          recordings: number;
          response_id: string;
          started_at: string;
          survey_id: string;
          transcripts: number;
        }[];
      };
      respondent_responses: {
        Args: { p_org_id: string; p_respondent_ref: string };
        Returns: string[];
      };
      restore_survey: {
        Args: { p_survey_id: string };
        Returns: {
          restored_at: string;
          survey_id: string;
        }[];
      };
      retention_purge_batch: {
        Args: { p_batch_size: number; p_job?: string };
        Returns: Json;
      };
      retention_purge_preview: {
        Args: Record<PropertyKey, never>;
        Returns: Json;
      };
      retry_backoff: { Args: { p_failures: number }; Returns: string };
      security_report_acknowledge: {
        Args: { p_reference: string };
        Returns: string;
      };
      security_report_add_note: {
        Args: { p_note: string; p_reference: string };
        Returns: string;
      };
      security_report_audit: {
        Args: {
          p_action: string;
          p_details?: Json;
          p_reason: string;
          p_report_id: string;
        };
        Returns: undefined;
      };
      security_report_close: {
        Args: { p_note?: string; p_reference: string; p_resolution: string };
        Returns: string;
      };
      security_report_for_triage: {
        Args: { p_reference: string };
        Returns: {
          ack_mail_id: string | null;
          acknowledged_at: string | null;
          channel: string;
          closed_at: string | null;
          details: string;
          id: string;
          received_at: string;
          reference: string;
          reporter_contact: string;
          resolution: string | null;
          severity: string | null;
          status: string;
          summary: string;
        };
        SetofOptions: {
          from: "*";
          to: "security_reports";
          isOneToOne: true;
          isSetofReturn: false;
        };
      };
      security_report_health: {
        Args: Record<PropertyKey, never>;
        Returns: {
          check_name: string;
          detail: Json;
          ok: boolean;
        }[];
      };
      security_report_purge: { Args: { p_limit?: number }; Returns: Json };
      security_report_set_status: {
        Args: { p_reference: string; p_status: string };
        Returns: string;
      };
      security_report_submit: {
        Args: {
          p_channel: string;
          p_contact: string;
          p_contact_hash?: string;
          p_details: string;
          p_limit_per_hour?: number;
          p_severity?: string;
          p_source_hash: string;
          p_summary: string;
        };
        Returns: Json;
      };
      storage_folder_objects: {
        Args: { p_bucket_id: string; p_folder: string };
        Returns: {
          bucket_id: string;
          name: string;
        }[];
      };
      storage_folders_objects: {
        Args: { p_bucket_id: string; p_folders: string[] };
        Returns: {
          bucket_id: string;
          folder: string;
          name: string;
        }[];
      };
      storage_orphan_sweep: {
        Args: { p_grace?: string; p_limit?: number };
        Returns: number;
      };
      storage_orphans: {
        Args: { p_grace?: string };
        Returns: {
          created_at: string;
          object_name: string;
          org_id: string;
          survey_id: string;
        }[];
      };
      storage_removal_claim: {
        Args: { p_lease?: string; p_limit?: number };
        Returns: {
          attempts: number;
          bucket_id: string;
          id: number;
          object_name: string;
        }[];
      };
      storage_removal_health: {
        Args: Record<PropertyKey, never>;
        Returns: {
          check_name: string;
          detail: Json;
          ok: boolean;
        }[];
      };
      storage_removal_settle: {
        Args: {
          p_error?: string;
          p_ids: number[];
          p_job?: string;
          p_removed_names: string[];
        };
        Returns: Json;
      };
      storage_removal_status: {
        Args: Record<PropertyKey, never>;
        Returns: Json;
      };
      survey_child_counts: {
        Args: { p_org_id: string; p_survey_id: string };
        Returns: Json;
      };
      survey_deletion_reasons: {
        Args: Record<PropertyKey, never>;
        Returns: string[];
      };
      survey_playlist: {
        Args: { p_survey_id: string };
        Returns: {
          object_name: string;
          recording_id: string;
        }[];
      };
      survey_retention: { Args: Record<PropertyKey, never>; Returns: string };
      survey_trash: {
        Args: { p_org_id: string };
        Returns: {
          deleted_at: string;
          deleted_by: string;
          purge_after: string;
          slug: string;
          survey_id: string;
          title: string;
        }[];
      };
      test_clock_enabled: { Args: Record<PropertyKey, never>; Returns: boolean };
      track_account_identifier: {
        Args: {
          p_created_at: string;
          p_kind: string;
          p_new: string;
          p_old: string;
          p_user_id: string;
        };
        Returns: undefined;
      };
      user_co_member_ids: {
        Args: Record<PropertyKey, never>;
        Returns: string[];
      };
      user_org_ids: {
        Args: { p_min_role?: Database["public"]["Enums"]["org_role"] };
        Returns: string[];
      };
      user_org_standing: {
        Args: { p_user_id: string };
        Returns: {
          only_member: boolean;
          only_owner: boolean;
          org_id: string;
          role: Database["public"]["Enums"]["org_role"];
        }[];
      };
    };
    Enums: {
      [_ in never]: never;
    };
    CompositeTypes: {
      purged_survey: {
        org_id: string | null;
        survey_id: string | null;
        questions: number | null;
        responses: number | null;
        recordings: number | null;
        transcripts: number | null;
      };
      settled_removal: {
        org_id: string | null;
        bucket_id: string | null;
        object_name: string | null;
        cause: string | null;
        attempts: number | null;
      };
    };
  };
  public: {
    Tables: {
      invitations: {
        Row: {
          created_at: string;
          invited_by: string | null;
          org_id: string;
          role: Database["public"]["Enums"]["org_role"];
          user_id: string;
        };
        Insert: {
          created_at?: string;
          invited_by?: string | null;
          org_id: string;
          role?: Database["public"]["Enums"]["org_role"];
          user_id: string;
        };
        Update: {
          created_at?: string;
          invited_by?: string | null;
          org_id?: string;
          role?: Database["public"]["Enums"]["org_role"];
          user_id?: string;
        };
        Relationships: [
          {
            foreignKeyName: "invitations_org_id_fkey";
            columns: ["org_id"];
            referencedRelation: "organizations";
            referencedColumns: ["id"];
          },
        ];
      };
      memberships: {
        Row: {
          created_at: string;
          org_id: string;
          role: Database["public"]["Enums"]["org_role"];
          user_id: string;
        };
        Insert: {
          created_at?: string;
          org_id: string;
          role?: Database["public"]["Enums"]["org_role"];
          user_id: string;
        };
        Update: {
          created_at?: string;
          org_id?: string;
          role?: Database["public"]["Enums"]["org_role"];
          user_id?: string;
        };
        Relationships: [
          {
            foreignKeyName: "memberships_org_id_fkey";
            columns: ["org_id"];
            referencedRelation: "organizations";
            referencedColumns: ["id"];
          },
        ];
      };
      organizations: {
        Row: {
          created_at: string;
          created_by: string | null;
          id: string;
          name: string;
          updated_at: string;
        };
        Insert: {
          created_at?: string;
          created_by?: string | null;
          id?: string;
          name: string;
          updated_at?: string;
        };
        Update: {
          created_at?: string;
          created_by?: string | null;
          id?: string;
          name?: string;
          updated_at?: string;
        };
        Relationships: [];
      };
      profiles: {
        Row: {
          created_at: string;
          display_name: string | null;
          id: string;
          updated_at: string;
        };
        Insert: {
          created_at?: string;
          display_name?: string | null;
          id: string;
          updated_at?: string;
        };
        Update: {
          created_at?: string;
          display_name?: string | null;
          id?: string;
          updated_at?: string;
        };
        Relationships: [];
      };
      questions: {
        Row: {
          created_at: string;
          id: string;
          org_id: string;
          position: number;
          prompt: string;
          survey_id: string;
          survey_live: boolean;
        };
        Insert: {
          created_at?: string;
          id?: string;
          org_id: string;
          position: number;
          prompt: string;
          survey_id: string;
          survey_live?: boolean;
        };
        Update: {
          created_at?: string;
          id?: string;
          org_id?: string;
          position?: number;
          prompt?: string;
          survey_id?: string;
          survey_live?: boolean;
        };
        Relationships: [
          {
            foreignKeyName: "questions_org_id_survey_id_fkey";
            columns: ["org_id", "survey_id", "survey_live"];
            referencedRelation: "surveys";
            referencedColumns: ["org_id", "id", "live"];
          },
        ];
      };
      recordings: {
        Row: {
          created_at: string;
          created_by: string | null;
          duration_ms: number;
          id: string;
          mime_type: string;
          object_path: string;
          org_id: string;
          question_id: string;
          response_id: string;
          size_bytes: number;
          survey_id: string;
          survey_live: boolean;
        };
        Insert: {
          created_at?: string;
          created_by?: string | null;
          duration_ms: number;
          id?: string;
          mime_type: string;
          object_path: string;
          org_id: string;
          question_id: string;
          response_id: string;
          size_bytes: number;
          survey_id: string;
          survey_live?: boolean;
        };
        Update: {
          created_at?: string;
          created_by?: string | null;
          duration_ms?: number;
          id?: string;
          mime_type?: string;
          object_path?: string;
          org_id?: string;
          question_id?: string;
          response_id?: string;
          size_bytes?: number;
          survey_id?: string;
          survey_live?: boolean;
        };
        Relationships: [
          {
            foreignKeyName: "recordings_org_id_survey_id_question_id_fkey";
            columns: ["org_id", "survey_id", "question_id"];
            referencedRelation: "questions";
            referencedColumns: ["org_id", "survey_id", "id"];
          },
          {
            foreignKeyName: "recordings_org_id_survey_id_response_id_fkey";
            columns: ["org_id", "survey_id", "survey_live", "response_id"];
            referencedRelation: "responses";
            referencedColumns: ["org_id", "survey_id", "survey_live", "id"];
          },
        ];
      };
      responses: {
        Row: {
          completed_at: string | null;
          id: string;
          org_id: string;
          respondent_ref: string | null;
          started_at: string;
          survey_id: string;
          survey_live: boolean;
        };
        Insert: {
          completed_at?: string | null;
          id?: string;
          org_id: string;
          respondent_ref?: string | null;
          started_at?: string;
          survey_id: string;
          survey_live?: boolean;
        };
        Update: {
          completed_at?: string | null;
          id?: string;
          org_id?: string;
          respondent_ref?: string | null;
          started_at?: string;
          survey_id?: string;
          survey_live?: boolean;
        };
        Relationships: [
          {
            foreignKeyName: "responses_org_id_survey_id_fkey";
            columns: ["org_id", "survey_id", "survey_live"];
            referencedRelation: "surveys";
            referencedColumns: ["org_id", "id", "live"];
          },
        ];
      };
      surveys: {
        Row: {
          created_at: string;
          created_by: string | null;
          deleted_at: string | null;
          deleted_by: string | null;
          id: string;
          live: boolean | null;
          org_id: string;
          slug: string;
          title: string;
          updated_at: string;
        };
        Insert: {
          created_at?: string;
          created_by?: string | null;
          deleted_at?: string | null;
          deleted_by?: string | null;
          id?: string;
          live?: never;
          org_id: string;
          slug: string;
          title: string;
          updated_at?: string;
        };
        Update: {
          created_at?: string;
          created_by?: string | null;
          deleted_at?: string | null;
          deleted_by?: string | null;
          id?: string;
          live?: never;
          org_id?: string;
          slug?: string;
          title?: string;
          updated_at?: string;
        };
        Relationships: [
          {
            foreignKeyName: "surveys_org_id_fkey";
            columns: ["org_id"];
            referencedRelation: "organizations";
            referencedColumns: ["id"];
          },
        ];
      };
      transcripts: {
        Row: {
          body: string;
          created_at: string;
          id: string;
          language: string;
          org_id: string;
          recording_id: string;
          survey_id: string;
          survey_live: boolean;
        };
        Insert: {
          body: string;
          created_at?: string;
          id?: string;
          language?: string;
          org_id: string;
          recording_id: string;
          survey_id: string;
          survey_live?: boolean;
        };
        Update: {
          body?: string;
          created_at?: string;
          id?: string;
          language?: string;
          org_id?: string;
          recording_id?: string;
          survey_id?: string;
          survey_live?: boolean;
        };
        Relationships: [
          {
            foreignKeyName: "transcripts_org_id_survey_id_recording_id_fkey";
            columns: ["org_id", "survey_id", "survey_live", "recording_id"];
            referencedRelation: "recordings";
            referencedColumns: ["org_id", "survey_id", "survey_live", "id"];
          },
        ];
      };
    };
    Views: {
      [_ in never]: never;
    };
    Functions: {
      accept_invitation: {
        Args: { p_org_id: string };
        Returns: {
          created_at: string;
          org_id: string;
          role: Database["public"]["Enums"]["org_role"];
          user_id: string;
        };
        SetofOptions: {
          from: "*";
          to: "memberships";
          isOneToOne: true;
          isSetofReturn: false;
        };
      };
      audit_events: {
        Args: { p_before?: string; p_limit?: number; p_org_id: string };
        Returns: {
          action: string;
          actor_id: string;
          actor_job: string;
          actor_kind: string;
          details: Json;
          occurred_at: string;
          reason: string;
          request_id: string;
          target_id: string;
          target_table: string;
        }[];
      };
      cancel_account_erasure: {
        Args: Record<PropertyKey, never>;
        Returns: undefined;
      };
      create_organization: {
        Args: { p_name: string };
        Returns: {
          created_at: string;
          created_by: string | null;
          id: string;
          name: string;
          updated_at: string;
        };
        SetofOptions: {
          from: "*";
          to: "organizations";
          isOneToOne: true;
          isSetofReturn: false;
        };
      };
      data_export_download: {
        Args: Record<PropertyKey, never>;
        Returns: {
          expires_at: string;
          object_name: string;
          ref: string;
        }[];
      };
      delete_organization: { Args: { p_org_id: string }; Returns: Json };
      delete_survey: {
        Args: { p_reason?: string; p_survey_id: string };
        Returns: {
          deleted_at: string;
          purge_after: string;
          survey_id: string;
        }[];
      };
      incident_add_note: {
        Args: { p_note: string; p_reference: string };
        Returns: string;
      };
      incident_add_preventive_measure: {
        Args: { p_measure: string; p_reference: string };
        Returns: string;
      };
      incident_close: {
        Args: { p_note?: string; p_reference: string };
        Returns: string;
      };
      incident_export: { Args: { p_reference: string }; Returns: Json };
      incident_notify: { Args: { p_reference: string }; Returns: Json };
      incident_open: {
        Args: { p_detected_at: string; p_scope: Json };
        Returns: string;
      };
      incident_reinstate_organization: {
        Args: { p_org_id: string; p_reference: string };
        Returns: boolean;
      };
      incident_revoke_sessions: {
        Args: { p_reference: string; p_user_id: string };
        Returns: Json;
      };
      incident_scope: { Args: { p_reference: string }; Returns: Json };
      incident_show: { Args: { p_reference: string }; Returns: Json };
      incident_suspend_organization: {
        Args: { p_org_id: string; p_reference: string };
        Returns: boolean;
      };
      my_account_erasure: {
        Args: Record<PropertyKey, never>;
        Returns: {
          due_at: string;
          request_id: string;
          requested_at: string;
          status: string;
        }[];
      };
      recording_access: { Args: { p_recording_id: string }; Returns: string };
      recording_upload_slot: {
        Args: { p_extension: string; p_file_id?: string; p_response_id: string };
        Returns: string;
      };
      request_account_erasure: {
        Args: { p_user_id?: string };
        Returns: {
          due_at: string;
          request_id: string;
          requested_at: string;
        }[];
      };
      request_data_export: {
        Args: { p_regime?: string; p_user_id?: string };
        Returns: {
          due_at: string;
          ref: string;
        }[];
      };
      respondent_erase: {
        Args: { p_org_id: string; p_regime?: string; p_respondent_ref: string };
        Returns: Json;
      };
      respondent_export: {
        Args: { p_org_id: string; p_regime?: string; p_respondent_ref: string };
        Returns: Json;
      };
      respondent_lookup: {
        Args: { p_org_id: string; p_respondent_ref: string };
        Returns: {
          completed_at: string;
          recordings: number;
          response_id: string;
          started_at: string;
          survey_id: string;
          transcripts: number;
        }[];
      };
      restore_survey: {
        Args: { p_survey_id: string };
        Returns: {
          restored_at: string;
          survey_id: string;
        }[];
      };
      security_report_acknowledge: {
        Args: { p_reference: string };
        Returns: string;
      };
      security_report_add_note: {
        Args: { p_note: string; p_reference: string };
        Returns: string;
      };
      security_report_close: {
        Args: { p_note?: string; p_reference: string; p_resolution: string };
        Returns: string;
      };
      security_report_set_status: {
        Args: { p_reference: string; p_status: string };
        Returns: string;
      };
      survey_playlist: {
        Args: { p_survey_id: string };
        Returns: {
          object_name: string;
          recording_id: string;
        }[];
      };
      survey_trash: {
        Args: { p_org_id: string };
        Returns: {
          deleted_at: string;
          deleted_by: string;
          purge_after: string;
          slug: string;
          survey_id: string;
          title: string;
        }[];
      };
    };
    Enums: {
      org_role: "owner" | "admin" | "member";
    };
    CompositeTypes: {
      [_ in never]: never;
    };
  };
};

type DatabaseWithoutInternals = Omit<Database, "__InternalSupabase">;

type DefaultSchema = DatabaseWithoutInternals[Extract<keyof Database, "public">];

export type Tables<
  DefaultSchemaTableNameOrOptions extends
    | keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals;
  } ? keyof (
      & DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
      & DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"]
    )
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals;
} ? (
    & DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    & DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"]
  )[TableName] extends {
    Row: infer R;
  } ? R
  : never
  : DefaultSchemaTableNameOrOptions extends keyof (
    & DefaultSchema["Tables"]
    & DefaultSchema["Views"]
  ) ? (
      & DefaultSchema["Tables"]
      & DefaultSchema["Views"]
    )[DefaultSchemaTableNameOrOptions] extends {
      Row: infer R;
    } ? R
    : never
  : never;

export type TablesInsert<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals;
  } ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals;
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends
    {
      Insert: infer I;
    } ? I
  : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
      Insert: infer I;
    } ? I
    : never
  : never;

export type TablesUpdate<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals;
  } ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals;
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends
    {
      Update: infer U;
    } ? U
  : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
      Update: infer U;
    } ? U
    : never
  : never;

export type Enums<
  DefaultSchemaEnumNameOrOptions extends
    | keyof DefaultSchema["Enums"]
    | { schema: keyof DatabaseWithoutInternals },
  EnumName extends (DefaultSchemaEnumNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals;
  } ? keyof DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"]
    : never) = never,
> = DefaultSchemaEnumNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals;
} ? DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"][EnumName]
  : DefaultSchemaEnumNameOrOptions extends keyof DefaultSchema["Enums"]
    ? DefaultSchema["Enums"][DefaultSchemaEnumNameOrOptions]
  : never;

export type CompositeTypes<
  PublicCompositeTypeNameOrOptions extends
    | keyof DefaultSchema["CompositeTypes"]
    | { schema: keyof DatabaseWithoutInternals },
  CompositeTypeName extends (PublicCompositeTypeNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals;
  } ? keyof DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"]
    : never) = never,
> = PublicCompositeTypeNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals;
} ? DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"][
    CompositeTypeName
  ]
  : PublicCompositeTypeNameOrOptions extends keyof DefaultSchema["CompositeTypes"]
    ? DefaultSchema["CompositeTypes"][PublicCompositeTypeNameOrOptions]
  : never;

export const Constants = {
  private: {
    Enums: {},
  },
  public: {
    Enums: {
      org_role: ["owner", "admin", "member"],
    },
  },
} as const;
